"""Incremental builds: fingerprint the inputs, and tell when nothing changed since `latest`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest import EXTRACTOR_VERSION, SCHEMA_VERSION
from ingest.page.acquire import PageRef, discover
from ingest.release.layout import latest_release, read_manifest, verify_release
from ingest.settings import BuildSettings


@dataclass(frozen=True)
class Fingerprint:
    """Every input page with the SHA-256 of its bytes (None if unreadable), and one digest of all.

    `superseded`: older versions of URLs left out of the build (see ingest.page.acquire);
    `hashed`: pages whose bytes were read to hash them (the others' hash came from the
    scraper's manifest, their size and mtime unchanged)."""

    pages: list[tuple[PageRef, str | None]]
    digest: str
    superseded: int = 0
    hashed: int = 0

    @property
    def inputs(self) -> dict:
        """The manifest's `inputs`: pages, digest, superseded versions."""
        return {"pages": len(self.pages), "digest": self.digest, "superseded": self.superseded}


def file_sha256(path: str) -> str | None:
    """SHA-256 of a file's bytes, None if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def fingerprint(refs: list[PageRef], superseded: int = 0) -> Fingerprint:
    """Hash every page (a read of each file; no parsing) and the provenance recorded for it.

    A page whose manifest hash is trusted (`ref.sha256`: same size and mtime as when the
    scraper stored it) is not read: a build's discovery costs a stat per current page."""
    pages = []
    hashed = 0
    for ref in sorted(refs, key=lambda r: r.rel_path):
        sha = ref.sha256
        if sha is None:
            sha = file_sha256(ref.path)
            hashed += 1
        pages.append((ref, sha))
    return Fingerprint(pages, inputs_digest(pages, superseded), superseded, hashed)


def inputs_digest(pages: list[tuple[PageRef, str | None]], superseded: int = 0) -> str:
    """The release's input digest (manifest `inputs.digest`, the only one): SHA-256 over every page's
    path, bytes' SHA-256 and fetch provenance (URL, fetch time, HTTP charset, earlier versions), in path
    order, and the number of superseded versions."""
    digest = hashlib.sha256()
    for ref, sha in sorted(pages, key=lambda p: p[0].rel_path):
        parts = [ref.rel_path, sha or "-", ref.url or "", ref.fetched_at or "", ref.http_charset or ""]
        if ref.previous_versions:  # (only then: digests of stores without history stay as they were)
            parts.append(f"previous_versions={ref.previous_versions}")
        if ref.garbled:
            parts.append(f"garbled={ref.garbled}")
        digest.update("\0".join(parts).encode() + b"\n")
    if superseded:
        digest.update(f"superseded {superseded}\n".encode())
    return digest.hexdigest()


MANIFEST_INDEX = ".cache/raw-manifest-index.json"


def fingerprint_raw(raw_dir: Path, out_dir: Path | None = None) -> Fingerprint:
    """Discover the current pages under raw_dir and fingerprint them; with out_dir, the raw
    manifest is read incrementally through an index in the output's cache."""
    found = discover(Path(raw_dir), Path(out_dir) / MANIFEST_INDEX if out_dir is not None else None)
    return fingerprint(found.pages, superseded=len(found.superseded))


def build_key(settings: BuildSettings) -> dict:
    """What besides the inputs decides a release's content."""
    return {"extractor_version": EXTRACTOR_VERSION, "schema_version": SCHEMA_VERSION, "schema_digest": schema_digest(),
            "max_page_bytes": settings.max_page_bytes, "dedup_threshold": settings.dedup_threshold}


def schema_digest() -> str:
    """A digest of the record models' JSON Schemas: a model change (even one that leaves every record's
    bytes alone, like an added enum value) is a change to publish."""
    import orjson

    from ingest.release.contract import model_schemas

    return hashlib.sha256(orjson.dumps(model_schemas(), option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def unchanged_release(out_dir: Path, fp: Fingerprint, settings: BuildSettings) -> dict | None:
    """The latest release's manifest when it was built from the same inputs and settings and still
    verifies (manifest, sizes, checksums, line counts): a corrupt or incomplete `latest` is rebuilt."""
    latest = latest_release(Path(out_dir))
    if latest is None:
        return None
    try:
        manifest = read_manifest(latest)
    except (OSError, ValueError):
        return None
    if manifest.get("inputs", {}).get("digest") == fp.digest and manifest.get("build") == build_key(settings):
        return manifest if not verify_release(latest) else None
    return None
