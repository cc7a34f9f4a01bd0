"""Raw store: content-addressed page bodies, append-only manifest and failures logs."""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

import orjson

from ingest.atomic import TMP_PREFIX, replace_file
from ingest.jsonl import read_jsonl  # noqa: F401 - part of this module's API

from .urls import url_key

PAGES_DIR = "pages"
MANIFEST = "manifest.jsonl"
FAILURES = "failures.jsonl"
STATE_DIR = ".scrape-state"
LOCK_FILE = f"{STATE_DIR}/lock"  # held by a running scrape and by `ingest gc --raw`
SUFFIXES = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt"}


def mime_type(content_type: str | None) -> str:
    """Lower-case media type of a Content-Type value ('' if absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str | None:
    """Lower-case charset parameter of a Content-Type value, or None."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        value = value.strip().strip("'\"")
        if name.strip().lower() == "charset" and value:
            return value.lower()
    return None


def suffix_for(content_type: str | None, body: bytes) -> str | None:
    """File suffix for a stored body (.html / .txt), sniffing HTML when no type is given; None if unsupported."""
    mime = mime_type(content_type)
    if mime:
        return SUFFIXES.get(mime)
    return ".html" if body.lstrip()[:512].lower().startswith((b"<!doctype html", b"<html")) else None


def utc_now() -> str:
    """Current UTC time as ISO 8601 with microseconds and a Z suffix (sorts as text)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JsonlLog:
    """Append-only JSONL file; each line is flushed and fsynced before append() returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._repair()
        self._fh = path.open("ab")

    def _repair(self) -> None:
        # A process killed mid-write can leave a partial last line: cut it off.
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("r+b") as fh:
            data = fh.read()
            if not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)

    def append(self, obj: dict[str, Any]) -> None:
        """Write one object as one line, durably."""
        self._fh.write(orjson.dumps(obj) + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the file."""
        self._fh.close()


class RawStore:
    """The raw directory: pages/<sha[:2]>/<sha><suffix>, manifest.jsonl, failures.jsonl."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / PAGES_DIR).mkdir(parents=True, exist_ok=True)
        for stale in (root / PAGES_DIR).glob(f"*/{TMP_PREFIX}*"):
            stale.unlink(missing_ok=True)  # leftovers of a killed run, never complete pages
        self.manifest = JsonlLog(root / MANIFEST)
        self.failures = JsonlLog(root / FAILURES)
        self.latest: dict[str, dict[str, Any]] = {}
        keys: dict[str, str] = {}  # the same URLs come back every run: canonicalize each once
        for entry in read_jsonl(root / MANIFEST):
            url = entry.get("url")
            if isinstance(url, str):
                key = keys.get(url) or keys.setdefault(url, url_key(url))
                self.latest[key] = entry

    def close(self) -> None:
        """Close the logs."""
        self.manifest.close()
        self.failures.close()

    def previous(self, key: str) -> dict[str, Any] | None:
        """Newest manifest entry for a URL key whose stored file still exists."""
        entry = self.latest.get(key)
        if entry and entry.get("path") and (self.root / entry["path"]).is_file():
            return entry
        return None

    def save(self, body: bytes, suffix: str) -> tuple[str, str]:
        """Store a complete body by content hash; return (sha256, POSIX path relative to root)."""
        sha = hashlib.sha256(body).hexdigest()
        rel = f"{PAGES_DIR}/{sha[:2]}/{sha}{suffix}"
        dest = self.root / rel
        if dest.is_file() and dest.stat().st_size == len(body):
            return sha, rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        replace_file(dest, body, sync_dir=False)  # no fsync of the folder per page (as before)
        return sha, rel

    def mtime_ns(self, rel: str | None) -> int | None:
        """st_mtime_ns of a stored file (recorded in the manifest: builds trust its sha256 while
        size and mtime match instead of hashing the file again), None if absent."""
        try:
            return os.stat(self.root / rel).st_mtime_ns if rel else None
        except OSError:
            return None

    def record(self, entry: dict[str, Any]) -> None:
        """Append a manifest line and remember it as the newest for its URL."""
        self.manifest.append(entry)
        self.latest[url_key(entry["url"])] = entry

    def fail(self, entry: dict[str, Any]) -> None:
        """Append a failures.jsonl line."""
        self.failures.append(entry)


class StoreBusy(RuntimeError):
    """Another process (a scrape or a raw gc) holds the raw store's lock."""


def _try_lock(fh: IO[bytes]) -> bool:
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def store_lock(root: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the raw store's exclusive lock (flock on .scrape-state/lock, released when the process
    dies); wait up to `wait` seconds for it, then raise StoreBusy."""
    path = Path(root) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        deadline = time.monotonic() + wait
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{root} is in use by another scrape or gc (lock {path})")
            time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
