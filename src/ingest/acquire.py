"""Acquire: find raw pages under a folder, with the provenance the scraper recorded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.jsonl import read_jsonl

PAGE_SUFFIXES = frozenset({".html", ".htm", ".txt", ".xhtml"})
RAW_MANIFEST = "manifest.jsonl"
SKIP_DIRS = frozenset({".scrape-state", ".git", "__pycache__"})


@dataclass(frozen=True, slots=True)
class PageRef:
    """A raw page to process: where it is and what the fetch recorded about it."""

    path: str  # absolute path
    rel_path: str  # POSIX path relative to the raw folder: the page's identity with its sha256
    size: int
    url: str | None = None
    fetched_at: str | None = None
    http_charset: str | None = None
    gone: str | None = None  # when the scraper last saw this page's URL answer 404/410: its fetch time


def load_fetch_manifest(raw_dir: Path) -> dict[str, dict]:
    """Newest raw/manifest.jsonl entry per stored path (written by `ingest scrape`).

    Paths are content hashes, so `fetched_at` stays the time these bytes were first
    fetched: records do not change because a page was re-fetched or re-validated unchanged."""
    entries: dict[str, dict] = {}
    for entry in read_jsonl(raw_dir / RAW_MANIFEST):
        path = entry.get("path")
        if not path:
            continue
        previous = entries.get(path)
        if previous is not None and previous.get("fetched_at") and entry.get("event") != "gone":
            # the store is content-addressed: the same path holds the same bytes, first fetched back then
            entry = {**entry, "fetched_at": previous["fetched_at"]}
        entries[path] = entry  # the newest line for a path wins (a `gone` line included)
    return entries


def discover_pages(raw_dir: Path) -> Iterator[PageRef]:
    """Every page file under raw_dir, recursively, in sorted path order."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    fetched = load_fetch_manifest(raw_dir)
    for root, dirs, files in os.walk(raw_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if Path(name).suffix.lower() not in PAGE_SUFFIXES:
                continue
            full = os.path.join(root, name)
            rel = Path(full).relative_to(raw_dir).as_posix()
            try:
                size = os.stat(full).st_size
            except OSError:
                size = -1
            entry = fetched.get(rel, {})
            gone = entry.get("fetched_at") or "unknown time" if entry.get("event") == "gone" else None
            yield PageRef(full, rel, size, url=entry.get("final_url") or entry.get("url"),
                          fetched_at=entry.get("fetched_at"), http_charset=entry.get("encoding_header"), gone=gone)
