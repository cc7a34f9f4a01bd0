"""Incremental builds: fingerprint the inputs, and tell when nothing changed since `latest`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingest import EXTRACTOR_VERSION, SCHEMA_VERSION
from ingest.acquire import PageRef
from ingest.publish import latest_release, read_manifest
from ingest.settings import BuildSettings


@dataclass(frozen=True)
class Fingerprint:
    """Every input page with the SHA-256 of its bytes (None if unreadable), and one digest of all."""

    pages: list[tuple[PageRef, str | None]]
    digest: str


def fingerprint(refs: list[PageRef]) -> Fingerprint:
    """Hash every page (a read of each file; no parsing) and the provenance recorded for it."""
    digest = hashlib.sha256()
    pages = []
    for ref in sorted(refs, key=lambda r: r.rel_path):
        try:
            with open(ref.path, "rb") as fh:
                sha = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            sha = None
        pages.append((ref, sha))
        digest.update("\0".join([ref.rel_path, sha or "-", ref.url or "", ref.fetched_at or "",
                                 ref.http_charset or ""]).encode() + b"\n")
    return Fingerprint(pages, digest.hexdigest())


def build_key(settings: BuildSettings) -> dict:
    """What besides the inputs decides a release's content."""
    return {"extractor_version": EXTRACTOR_VERSION, "schema_version": SCHEMA_VERSION, "schema_digest": schema_digest(),
            "max_page_bytes": settings.max_page_bytes, "dedup_threshold": settings.dedup_threshold}


def schema_digest() -> str:
    """A digest of the record models' JSON Schemas: a model change (even one that leaves every record's
    bytes alone, like an added enum value) is a change to publish."""
    import orjson

    from ingest.contract import model_schemas

    return hashlib.sha256(orjson.dumps(model_schemas(), option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def unchanged_release(out_dir: Path, fp: Fingerprint, settings: BuildSettings) -> dict | None:
    """The latest release's manifest when it was built from the same inputs and settings."""
    latest = latest_release(Path(out_dir))
    if latest is None:
        return None
    try:
        manifest = read_manifest(latest)
    except (OSError, ValueError):
        return None
    if manifest.get("inputs", {}).get("digest") == fp.digest and manifest.get("build") == build_key(settings):
        return manifest
    return None
