"""Acquire: find raw pages under a folder, with the provenance the scraper recorded.

Snapshot semantics: when `raw/manifest.jsonl` (written by `ingest scrape`) exists, a URL's
current page is the version its newest manifest line names; the other versions stored for
that URL are *superseded*: kept in the raw store for audit, never extracted. Files the
manifest does not mention are pages as they are (a plain folder of files)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import orjson

from ingest.errors import InputRefused

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
    garbled: str | None = None  # "manifest.jsonl line N": a garbled line names this page or its URL (quarantined)


@dataclass
class Discovery:
    """What discovery found: the current pages, and the superseded versions left out."""

    pages: list[PageRef] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # rel paths of superseded versions present on disk


_KEEP = ("url", "final_url", "fetched_at", "encoding_header", "event", "sha256", "size", "mtime_ns", "path")


@dataclass
class FetchManifest:
    """raw/manifest.jsonl read once: newest entry per path, and the snapshot per URL."""

    by_path: dict[str, dict] = field(default_factory=dict)  # newest line per stored path (the keys builds use)
    newest: dict[str, str | None] = field(default_factory=dict)  # url key -> path of its newest line
    versions: dict[str, list[str]] = field(default_factory=dict)  # url key -> distinct stored paths, oldest first
    url_of: dict[str, str] = field(default_factory=dict)  # path -> url key of its newest line
    garbled: list[dict] = field(default_factory=list)  # lines that are not JSON objects: line, url, path, error
    lines: int = 0  # complete lines read (to number the garbled ones)

    @property
    def current(self) -> set[str]:
        """Paths some URL's newest line names."""
        return {p for p in self.newest.values() if p}

    def superseded(self, path: str, current: set[str]) -> bool:
        """Whether a stored path is an older version of some URL and the current version of none."""
        return path in self.url_of and path not in current

    def add(self, entry: dict, key_of) -> None:
        """Take one manifest line (lines come in file order: the last line for a URL is its newest)."""
        path = entry.get("path")
        url = entry.get("url")
        key = key_of(url) if isinstance(url, str) else None
        if key is not None:
            self.newest[key] = path or None
        if not path:
            return
        entry = {k: entry.get(k) for k in _KEEP}
        previous = self.by_path.get(path)
        if previous is not None and previous.get("fetched_at") and entry.get("event") != "gone":
            # the store is content-addressed: the same path holds the same bytes, first fetched back then
            entry["fetched_at"] = previous["fetched_at"]
        self.by_path[path] = entry  # the newest line for a path wins (a `gone` line included)
        if key is not None:
            self.url_of[path] = key
            seen = self.versions.setdefault(key, [])
            if path not in seen:
                seen.append(path)


def _key_function():
    from functools import lru_cache

    from ingest.scrape.urls import url_key

    return lru_cache(maxsize=None)(url_key)  # the same URLs come back every night


def read_fetch_manifest(raw_dir: Path, index: Path | None = None) -> FetchManifest:
    """Read raw/manifest.jsonl. With `index` (a file under the build's cache), only the lines
    appended since the last read are parsed: the state is O(stored versions), not O(lines)."""
    path = Path(raw_dir) / RAW_MANIFEST
    out, offset = FetchManifest(), 0
    try:
        st = os.stat(path)
    except OSError:
        return out
    ident = [st.st_dev, st.st_ino]
    saved = _load_index(index, path, ident, st.st_size) if index is not None else None
    if saved is not None:
        out, offset = saved
    key_of = _key_function()
    with open(path, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    complete = data[:data.rfind(b"\n") + 1]  # a torn last line is read when it is complete
    for line in complete.split(b"\n")[:-1]:
        out.lines += 1
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            obj = exc
        if isinstance(obj, dict):
            out.add(obj, key_of)
        elif line.strip():  # never skipped in silence: its URL's pages are quarantined (see discover)
            out.garbled.append(_garbled(line, out.lines, obj))
    if index is not None and complete:
        _save_index(index, path, ident, offset + len(complete), out)
    return out


_INDEX_VERSION = 2
_SALVAGE = {name: re.compile(rb'"%s"\s*:\s*"([^"\\]{1,2000})"' % name.encode()) for name in ("url", "path")}


def _garbled(line: bytes, number: int, error: object) -> dict:
    """What can be read of a garbled manifest line: its number, and its URL and path when they survived."""
    found = {name: (m.group(1).decode("utf-8", "replace") if (m := rx.search(line)) else None)
             for name, rx in _SALVAGE.items()}
    why = str(error).split(":", 1)[0] if isinstance(error, Exception) else f"a JSON {type(error).__name__}, not an object"
    return {"line": number, **found, "error": why[:120]}


class GarbledManifest(InputRefused):
    """A garbled raw manifest line that names no URL: which pages it concerns is unknown."""


def _tail(path: Path, end: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(max(0, end - 256))
        return fh.read(min(256, end)).hex()


def _load_index(index: Path, manifest: Path, ident: list[int], size: int) -> tuple[FetchManifest, int] | None:
    """The saved state when it describes a prefix of this very file (same inode, same bytes at its end)."""
    try:
        saved = orjson.loads(index.read_bytes())
        offset = saved["offset"]
        if (saved["version"] != _INDEX_VERSION or saved["manifest"] != str(manifest) or saved["ident"] != ident
                or offset > size or saved["tail"] != _tail(manifest, offset)):
            return None
        state = FetchManifest(saved["by_path"], saved["newest"], saved["versions"], saved["url_of"], saved["garbled"],
                              saved["lines"])
        return state, offset
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save_index(index: Path, manifest: Path, ident: list[int], offset: int, state: FetchManifest) -> None:
    """Write the state atomically (a failure only costs a full read next time)."""
    try:
        index.parent.mkdir(parents=True, exist_ok=True)
        tmp = index.with_name(f".tmp-{index.name}-{os.getpid()}")
        tmp.write_bytes(orjson.dumps({"version": _INDEX_VERSION, "manifest": str(manifest), "ident": ident,
                                      "offset": offset, "tail": _tail(manifest, offset), "by_path": state.by_path,
                                      "newest": state.newest, "versions": state.versions, "url_of": state.url_of,
                                      "garbled": state.garbled, "lines": state.lines}))
        os.replace(tmp, index)
    except OSError:
        pass


def load_fetch_manifest(raw_dir: Path) -> dict[str, dict]:
    """Newest raw/manifest.jsonl entry per stored path (written by `ingest scrape`).

    Paths are content hashes, so `fetched_at` stays the time these bytes were first
    fetched: records do not change because a page was re-fetched or re-validated unchanged."""
    return read_fetch_manifest(raw_dir).by_path


def discover(raw_dir: Path, index: Path | None = None) -> Discovery:
    """Every page file under raw_dir, recursively, in sorted path order, split into current
    pages and superseded versions (only stat()ed when current). `index`: see read_fetch_manifest.
    Holds every PageRef: a build streams them with scan() instead."""
    found = scan(raw_dir, index)
    return Discovery(list(found), found.superseded)


class PageScan:
    """The current pages under a raw folder as a stream of PageRefs in sorted path order (one directory's
    names held at a time, not the pages); `superseded` fills as the stream goes (complete once exhausted)."""

    def __init__(self, raw_dir: Path, index: Path | None = None) -> None:
        self.raw_dir = Path(raw_dir)
        if not self.raw_dir.is_dir():
            raise FileNotFoundError(f"raw folder not found: {raw_dir}")
        self.manifest = read_fetch_manifest(self.raw_dir, index)
        self.garbled = _garbled_pages(self.manifest, self.raw_dir)
        self.superseded: list[str] = []  # rel paths of superseded versions present on disk

    def __iter__(self) -> Iterator[PageRef]:
        manifest = self.manifest
        current = manifest.current
        # a URL's versions still present (a gc may have removed some): one listing pass, only for scraped stores
        present = {rel for rel, _ in walk_sorted(self.raw_dir) if rel in manifest.url_of} if manifest.versions else set()
        for rel, full in walk_sorted(self.raw_dir):
            if manifest.superseded(rel, current):
                self.superseded.append(rel)
                continue
            try:
                st = os.stat(full)
                size, mtime = st.st_size, st.st_mtime_ns
            except OSError:
                size, mtime = -1, None
            entry = manifest.by_path.get(rel, {})
            gone = entry.get("fetched_at") or "unknown time" if entry.get("event") == "gone" else None
            ref = PageRef(full, rel, size, url=entry.get("final_url") or entry.get("url"),
                          fetched_at=entry.get("fetched_at"), http_charset=entry.get("encoding_header"), gone=gone,
                          sha256=_trusted_sha(entry, size, mtime), mtime_ns=mtime, garbled=self.garbled.get(rel))
            yield _with_previous(ref, manifest, present) if manifest.versions else ref


def scan(raw_dir: Path, index: Path | None = None) -> PageScan:
    """The current pages under raw_dir, streamed in sorted path order (see PageScan)."""
    return PageScan(raw_dir, index)


def walk_sorted(raw_dir: Path) -> Iterator[tuple[str, str]]:
    """(POSIX path relative to raw_dir, full path) of every page file under raw_dir, in sorted order of the
    relative paths, as os.walk finds them (symlinked folders not entered, SKIP_DIRS and hidden folders
    left out, unreadable folders skipped): a folder's entries are ordered by name, a subfolder's by its
    name + "/", so its files sort where their paths do."""
    def walk(folder: str, prefix: str) -> Iterator[tuple[str, str]]:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            return
        keyed = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name not in SKIP_DIRS and not entry.name.startswith(".") and not entry.is_symlink():
                    keyed.append((entry.name + "/", entry.name, True))
            elif os.path.splitext(entry.name)[1].lower() in PAGE_SUFFIXES:
                keyed.append((entry.name, entry.name, False))
        del entries
        keyed.sort()
        for _, name, is_dir in keyed:
            full = os.path.join(folder, name)
            if is_dir:
                yield from walk(full, f"{prefix}{name}/")
            else:
                yield f"{prefix}{name}", full

    yield from walk(str(raw_dir), "")


def _garbled_pages(manifest: FetchManifest, raw_dir: Path) -> dict[str, str]:
    """{path: "<manifest> line N"} of the pages garbled lines concern: the current version of the URL a
    line names (else an older version would be built as current) and the file it names. One warning line
    each; GarbledManifest when a line names no URL (its pages cannot be told)."""
    from ingest.progress import warn

    where = Path(raw_dir) / RAW_MANIFEST
    pages: dict[str, str] = {}
    for bad in manifest.garbled:
        at = f"{where} line {bad['line']}"
        if not bad["url"]:
            raise GarbledManifest(f"{at} is garbled ({bad['error']}) and names no readable URL: which pages it "
                                  "concerns is unknown; repair or delete that line (see README, When things go wrong)")
        key = _key_function()(bad["url"])
        concerned = {p for p in (manifest.newest.get(key), bad["path"]) if p}
        for path in concerned:
            pages[path] = at
        warn(f"{at} is garbled ({bad['error']}): {len(concerned)} page(s) of {bad['url']} are quarantined as "
             "manifest_garbled until the line is repaired")
    return pages


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
    yield from scan(raw_dir)
