"""ingest: raw medical-procedure web pages -> validated, deduplicated, versioned JSONL datasets."""

__version__ = "0.1.0"

import hashlib as _hashlib

# Bump a component when its output for the same input bytes may change. Cached extraction
# results are reused only while every component they depended on keeps its version
# (a record depends on decode, parse, classify and its own extractor; a quarantined
# page on all of them), so a bump re-extracts exactly the affected pages.
EXTRACTOR_VERSIONS = {"decode": "1", "parse": "3", "classify": "5", "procedure": "7", "term": "3", "billing": "3"}
EXTRACTOR_VERSION = _hashlib.sha256(repr(sorted(EXTRACTOR_VERSIONS.items())).encode()).hexdigest()[:12]
SCHEMA_VERSION = "2.0"  # 1.1: previous_versions; 2.0: one record per document (ids from the page), `entity`, entities.jsonl
