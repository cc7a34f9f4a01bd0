"""Extraction cache: per-page results in SQLite under the output folder.

Key: the page's identity and content (path, SHA-256 of its bytes, URL, fetch time, HTTP
charset) plus the settings that change extraction. Each entry also stores the versions of
the extractor components it depended on (see ingest.EXTRACTOR_VERSIONS); an entry whose
components changed is ignored, so an extractor bump re-extracts exactly the affected pages.
SQLite (WAL mode) is embedded, survives crashes mid-write (a transaction is all or
nothing) and needs no server; the file can be deleted at any time to start cold.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import threading
from datetime import datetime, timezone
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import orjson

from ingest import EXTRACTOR_VERSIONS, progress
from ingest.errors import TRANSIENT_REASONS, storage_failure
from ingest.models import PAGE_TYPES
from ingest.page.acquire import PageRef
from ingest.page.process import PageResult
from ingest.settings import BuildSettings

CACHE_FILE = ".cache/extract.sqlite"
_TABLE = "page_results"
_RESULT_FIELDS = tuple(f.name for f in fields(PageResult) if f.name not in ("record_json", "ref"))  # record: own column


def depends_on(page_type: str | None) -> dict[str, str]:
    """Versions of the components a result for this page type depended on."""
    parts = ["decode", "parse", "classify"] + ([page_type] if page_type in PAGE_TYPES else list(PAGE_TYPES))
    return {p: EXTRACTOR_VERSIONS[p] for p in parts}


def page_key(ref: PageRef, sha256: str, settings: BuildSettings) -> str:
    """Cache key of one page: identity, content and the settings that shape extraction."""
    raw = "\0".join([ref.rel_path, sha256, ref.url or "", ref.fetched_at or "", ref.http_charset or "",
                     str(settings.max_page_bytes)] + ([f"previous_versions={ref.previous_versions}"]
                                                       if ref.previous_versions else [])
                    + ([f"garbled={ref.garbled}"] if ref.garbled else []))
    return hashlib.sha256(raw.encode()).hexdigest()


_CORRUPT_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)  # primary result codes of a damaged file
_repair_lock = threading.Lock()  # batches may run in threads of one process: one of them sets a corrupt file aside


class ExtractionCache:
    """Get and put PageResults by page key.

    A corrupt file (not a database, a malformed page) is moved aside with a warning when it is opened or
    met, and the cache starts empty (its pages are extracted again once); a full disk or a denied write
    raises ingest.errors.StorageFailed: the run stops, no page is quarantined for it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            self._repair(exc)
        except OSError as exc:
            _raise_storage(exc, self.path)
            raise

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=60, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # reads the header: "file is not a database" here
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("DROP TABLE IF EXISTS results")  # the layout before record lines had their own column
            db.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (key TEXT PRIMARY KEY, page_type TEXT, versions TEXT, "
                       "result BLOB, record BLOB)")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _set_aside(self, exc: sqlite3.DatabaseError) -> None:
        """Move the corrupt file (and its WAL) aside, with one warning line; the caller reopens an empty cache."""
        if getattr(self, "db", None) is not None:
            self.db.close()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
            except FileNotFoundError:
                pass
        progress.warn(f"the extraction cache {self.path} is corrupt ({exc}); moved aside to {aside.name} "
                      "(delete it when you like) and rebuilt: its pages are extracted again once")

    @classmethod
    def for_output(cls, out_dir: Path) -> ExtractionCache:
        return cls(Path(out_dir) / CACHE_FILE)

    def get_many(self, keys: list[str]) -> dict[str, PageResult]:
        """Valid cached results for the keys that have one."""
        found: dict[str, PageResult] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            try:
                rows = self.db.execute(f"SELECT key, page_type, versions, result, record FROM {_TABLE} "
                                       f"WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            except sqlite3.DatabaseError as exc:  # a page of the file is damaged: start this cache again
                self._repair(exc)
                return {}
            for key, page_type, versions, result, record in rows:
                if orjson.loads(versions) == depends_on(page_type):
                    found[key] = PageResult(**orjson.loads(result), record_json=record)
        return found

    def put_many(self, items: Iterable[tuple[str, PageResult]]) -> None:
        """Store results (one transaction)."""
        rows = []
        for key, result in items:
            if result.quarantine and result.quarantine["reason"] in TRANSIENT_REASONS:
                continue  # environmental or a bug: try again next time
            fields = {name: getattr(result, name) for name in _RESULT_FIELDS}
            rows.append((key, result.page_type, orjson.dumps(depends_on(result.page_type)).decode(),
                         orjson.dumps(fields), result.record_json))
        try:
            self._insert(rows)
        except sqlite3.DatabaseError as exc:
            self._repair(exc)
            self._insert(rows)

    def _insert(self, rows: list[tuple]) -> None:
        try:
            self.db.execute("BEGIN")
            self.db.executemany(f"INSERT OR REPLACE INTO {_TABLE} VALUES (?, ?, ?, ?, ?)", rows)
            self.db.execute("COMMIT")
        except sqlite3.Error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _repair(self, exc: sqlite3.DatabaseError) -> None:
        """A corrupt file is set aside and the cache starts again; a storage failure stops the run; anything
        else (a lock timeout, ...) is raised as it is."""
        _raise_storage(exc, self.path)
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _CORRUPT_CODES:
            raise exc
        with _repair_lock:
            self._set_aside(exc)
            self.db = self._open()

    def close(self) -> None:
        self.db.close()


# SQLite result codes that are the storage failing, not the file's content
_STORAGE_CODES = (sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN,
                  sqlite3.SQLITE_PERM)


def _raise_storage(exc: BaseException, path: Path) -> None:
    """StorageFailed when exc is the storage failing. SQLite says "disk I/O error" when it cannot grow its
    WAL on a full disk: the file system itself tells which (full, read-only, else denied or an I/O error)."""
    cause = exc
    if isinstance(exc, sqlite3.Error):
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _STORAGE_CODES:
            return
        cause = OSError(_errno_of(path, exc), f"{exc} (SQLite)", str(path))
    if (failure := storage_failure(cause, str(path))) is not None:
        raise failure from exc


def _errno_of(path: Path, exc: sqlite3.Error) -> int:
    try:
        fs = os.statvfs(path.parent)
    except OSError:
        return errno.EIO
    if fs.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if fs.f_bavail * fs.f_frsize < 1 << 20:  # under a megabyte left: SQLite cannot grow its files
        return errno.ENOSPC
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return errno.EACCES if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN) else errno.EIO


def extract_with_cache(pages: list[tuple[PageRef, str | None]], settings: BuildSettings, cache: ExtractionCache | None,
                       on_progress=None) -> tuple[list[PageResult], int]:
    """PageResults for pages (sorted by path), reusing cached ones; returns (results, cache hits)."""
    from ingest.page.parallel import extract_pages

    progress = on_progress or (lambda n: None)
    if cache is None:
        return extract_pages([ref for ref, _ in pages], settings, on_progress), 0
    keys = {ref.rel_path: page_key(ref, sha, settings) for ref, sha in pages if sha}
    hits = cache.get_many(list(keys.values()))
    cached = []
    for ref, _ in pages:
        if (hit := hits.get(keys.get(ref.rel_path))) is not None:
            hit.ref = ref
            cached.append(hit)
    progress(len(cached))
    todo = [ref for ref, _ in pages if keys.get(ref.rel_path) not in hits]
    fresh = extract_pages(todo, settings, on_progress) if todo else []
    shas = {ref.rel_path: sha for ref, sha in pages}
    # only results of the bytes that were fingerprinted (a file rewritten meanwhile is not cached)
    cache.put_many((keys[r.rel_path], r) for r in fresh if r.rel_path in keys and r.sha256 == shas[r.rel_path])
    return sorted(cached + fresh, key=lambda r: r.rel_path), len(cached)
