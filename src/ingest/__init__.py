"""ingest: raw medical-procedure web pages -> validated, deduplicated, versioned JSONL datasets."""

__version__ = "0.1.0"

# Bump when extraction output for the same input bytes may change: it keys the
# extraction cache and is recorded in every release manifest.
EXTRACTOR_VERSION = "2026.11.22-1"
SCHEMA_VERSION = "1.0"
