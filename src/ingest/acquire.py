"""Acquire: find raw pages under a folder, with the provenance the scraper recorded.

Snapshot semantics: when `raw/manifest.jsonl` (written by `ingest scrape`) exists, a URL's
current page is the version its newest manifest line names; the other versions stored for
that URL are *superseded*: kept in the raw store for audit, never extracted. Files the
manifest does not mention are pages as they are (a plain folder of files)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
    previous_versions: int = 0  # superseded versions of this page's URL still in the raw store
    sha256: str | None = None  # the manifest's hash, trusted when size and mtime still match (see incremental)
    mtime_ns: int | None = None  # st_mtime_ns of the file as seen by discovery


@dataclass
class Discovery:
    """What discovery found: the current pages, and the superseded versions left out."""

    pages: list[PageRef] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # rel paths of superseded versions present on disk


@dataclass
class FetchManifest:
    """raw/manifest.jsonl read once: newest entry per path, and the snapshot per URL."""

    by_path: dict[str, dict] = field(default_factory=dict)  # newest line per stored path
    current: set[str] = field(default_factory=set)  # paths some URL's newest line names
    versions: dict[str, list[str]] = field(default_factory=dict)  # url key -> distinct stored paths, oldest first
    url_of: dict[str, str] = field(default_factory=dict)  # path -> url key of its newest line

    def superseded(self, path: str) -> bool:
        """Whether a stored path is an older version of some URL and the current version of none."""
        return path in self.url_of and path not in self.current


def _url_key(entry: dict) -> str | None:
    url = entry.get("url")
    if not isinstance(url, str):
        return None
    from ingest.scrape.urls import url_key

    return url_key(url)


def read_fetch_manifest(raw_dir: Path) -> FetchManifest:
    """Read raw/manifest.jsonl (lines are in fetch order, so the last line for a URL is its newest)."""
    out = FetchManifest()
    newest: dict[str, dict] = {}  # url key -> newest line
    for entry in read_jsonl(Path(raw_dir) / RAW_MANIFEST):
        path = entry.get("path")
        key = _url_key(entry)
        if key is not None:
            newest[key] = entry
        if not path:
            continue
        previous = out.by_path.get(path)
        if previous is not None and previous.get("fetched_at") and entry.get("event") != "gone":
            # the store is content-addressed: the same path holds the same bytes, first fetched back then
            entry = {**entry, "fetched_at": previous["fetched_at"]}
        out.by_path[path] = entry  # the newest line for a path wins (a `gone` line included)
        if key is not None:
            out.url_of[path] = key
            seen = out.versions.setdefault(key, [])
            if path not in seen:
                seen.append(path)
    out.current = {e["path"] for e in newest.values() if e.get("path")}
    return out


def load_fetch_manifest(raw_dir: Path) -> dict[str, dict]:
    """Newest raw/manifest.jsonl entry per stored path (written by `ingest scrape`).

    Paths are content hashes, so `fetched_at` stays the time these bytes were first
    fetched: records do not change because a page was re-fetched or re-validated unchanged."""
    return read_fetch_manifest(raw_dir).by_path


def discover(raw_dir: Path) -> Discovery:
    """Every page file under raw_dir, recursively, in sorted path order, split into current
    pages and superseded versions (only stat()ed when current)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {raw_dir}")
    manifest = read_fetch_manifest(raw_dir)
    found = Discovery()
    present: set[str] = set()
    for root, dirs, files in os.walk(raw_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        rel_root = Path(root).relative_to(raw_dir).as_posix()
        for name in sorted(files):
            if Path(name).suffix.lower() not in PAGE_SUFFIXES:
                continue
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            present.add(rel)
            if manifest.superseded(rel):
                found.superseded.append(rel)
                continue
            full = os.path.join(root, name)
            try:
                st = os.stat(full)
                size, mtime = st.st_size, st.st_mtime_ns
            except OSError:
                size, mtime = -1, None
            entry = manifest.by_path.get(rel, {})
            gone = entry.get("fetched_at") or "unknown time" if entry.get("event") == "gone" else None
            found.pages.append(PageRef(full, rel, size, url=entry.get("final_url") or entry.get("url"),
                                       fetched_at=entry.get("fetched_at"), http_charset=entry.get("encoding_header"),
                                       gone=gone, sha256=_trusted_sha(entry, size, mtime), mtime_ns=mtime))
    if manifest.versions:  # count only versions still present (a gc may have removed some)
        found.pages = [_with_previous(ref, manifest, present) for ref in found.pages]
    return found


def _with_previous(ref: PageRef, manifest: FetchManifest, present: set[str]) -> PageRef:
    versions = manifest.versions.get(manifest.url_of.get(ref.rel_path, ""), ())
    n = sum(1 for p in versions if p != ref.rel_path and p in present)
    return replace(ref, previous_versions=n) if n else ref


def _trusted_sha(entry: dict, size: int, mtime_ns: int | None) -> str | None:
    """The manifest's sha256 when the file's size and mtime are the ones recorded at store time."""
    sha = entry.get("sha256")
    if sha and mtime_ns is not None and entry.get("size") == size and entry.get("mtime_ns") == mtime_ns:
        return sha
    return None


def discover_pages(raw_dir: Path) -> Iterator[PageRef]:
    """The current pages under raw_dir (superseded versions left out), in sorted path order."""
    yield from discover(raw_dir).pages
