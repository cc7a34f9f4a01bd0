"""Extraction cache: one content-addressed file per page result under the output folder.

Key: the page's identity and content (path, SHA-256 of its bytes, URL, fetch time, HTTP
charset) plus the settings that change extraction (`page_key`). Each entry also stores the
versions of the extractor components it depended on (`depends_on`, from
ingest.EXTRACTOR_VERSIONS); an entry whose components changed is ignored and rewritten, so an
extractor bump re-extracts exactly the affected pages.

Layout: `<out>/.cache/v2/<key[:2]>/<key>`. An entry is written to a temporary name in its
folder and renamed into place (atomic on POSIX file systems and on NFS), so a reader sees a
whole entry or none, and processes on different machines may write the same key at once (the
content is the same; the last rename wins). No locks, no database shared between processes.
An entry carries a checksum: a damaged one (a power cut, a disk fault) is moved aside to
`<out>/.cache/v2/corrupt/` with one warning, and its page is extracted again. A hit refreshes
the entry's modification time at most once a day (`TOUCH_AFTER`), which `ingest gc` reads as
"last used" (ingest.page.cache_gc). The whole folder can be deleted at any time to start cold.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import threading
import time
import zlib
from collections.abc import Iterable
from datetime import datetime, timezone
from dataclasses import fields
from pathlib import Path

import orjson

from ingest import EXTRACTOR_VERSIONS, progress
from ingest.errors import TRANSIENT_REASONS, storage_failure
from ingest.models import PAGE_TYPES
from ingest.page.acquire import PageRef
from ingest.page.process import PageResult
from ingest.settings import BuildSettings

CACHE_DIR = ".cache/v2"  # under the output folder (another entry format: another folder); .cache/extract.sqlite is ignored
CORRUPT_DIR = "corrupt"  # damaged entries, moved aside
TMP_PREFIX = ".tmp-"  # an entry being written (a killed writer's is removed by `ingest gc`)
MAGIC = b"ingest extraction cache entry 2\n"
TOUCH_AFTER = 86400.0  # seconds: a hit on an entry last written or touched longer ago refreshes its mtime
_RESULT_FIELDS = tuple(f.name for f in fields(PageResult) if f.name not in ("record_json", "ref"))  # the record: its own line


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


class ExtractionCache:
    """Get and put PageResults by page key, one file per entry under `root`.

    A damaged entry is moved aside with one warning per call and counts as a miss (its page is extracted
    again); a full disk, a read-only file system or a denied read or write raises
    ingest.errors.StorageFailed: the run stops, no page is quarantined for it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._folders: set[str] = set()  # entry folders known to exist

    @classmethod
    def for_output(cls, out_dir: Path) -> ExtractionCache:
        return cls(Path(out_dir) / CACHE_DIR)

    def entry_path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get_many(self, keys: list[str]) -> dict[str, PageResult]:
        """Valid cached results for the keys that have one (entries of other extractor versions are misses)."""
        found: dict[str, PageResult] = {}
        damaged: list[tuple[Path, int, str]] = []
        current: dict[str | None, dict[str, str]] = {}  # depends_on by page type
        now = time.time()
        root = str(self.root)
        for key in keys:
            path = os.path.join(root, key[:2], key)  # str, os.open, os.read: a third of pathlib's and io's cost
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            except OSError as exc:
                _raise_storage(exc, Path(path))
                raise
            try:
                stat = os.fstat(fd)
                data = _read_all(fd, stat.st_size)
            except OSError as exc:
                _raise_storage(exc, Path(path))
                raise
            finally:
                os.close(fd)
            try:
                page_type, versions, result = decode_entry(key, data)
            except (ValueError, KeyError, TypeError) as exc:  # cut, overwritten, or not ours
                damaged.append((Path(path), stat.st_ino, str(exc)))
                continue
            if versions == (current.get(page_type) or current.setdefault(page_type, depends_on(page_type))):
                found[key] = result
                if stat.st_mtime < now - TOUCH_AFTER:
                    _touch(path)
        if damaged:
            self._set_aside(damaged)
        return found

    def put_many(self, items: Iterable[tuple[str, PageResult]]) -> None:
        """Store results, each entry atomically (transient quarantines are not stored: next run tries again)."""
        for key, result in items:
            if result.quarantine and result.quarantine["reason"] in TRANSIENT_REASONS:
                continue  # environmental or a bug: try again next time
            self._write(key, encode_entry(key, result))

    def _write(self, key: str, data: bytes) -> None:
        folder = os.path.join(self.root, key[:2])
        path = os.path.join(folder, key)
        # unique to this writer: machine, process and thread (batches may run in threads of one process)
        tmp = os.path.join(folder, f"{TMP_PREFIX}{key}-{_WRITER}-{os.getpid()}-{threading.get_ident()}")
        try:
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            _discard(tmp)
            _raise_storage(exc, Path(tmp))
            raise

    def _set_aside(self, damaged: list[tuple[Path, int, str]]) -> None:
        """Move damaged entries to corrupt/ (unless another process replaced one meanwhile), with one warning."""
        aside = self.root / CORRUPT_DIR
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        for path, inode, _ in damaged:
            try:
                aside.mkdir(parents=True, exist_ok=True)
                if os.stat(path).st_ino == inode:  # not rewritten (whole) by another writer since it was read
                    os.replace(path, aside / f"{path.name}.{stamp}")
            except FileNotFoundError:
                pass  # another reader set it aside first
            except OSError as exc:
                _raise_storage(exc, path)
                raise
        first = damaged[0]
        progress.warn(f"{len(damaged)} entr{'y' if len(damaged) == 1 else 'ies'} of the extraction cache {self.root} "
                      f"corrupt (e.g. {first[0].name}: {first[2]}); moved aside to {aside} (delete them when you "
                      "like): their pages are extracted again")

    def close(self) -> None:
        """Nothing to release (no open files between calls); kept for the callers' try/finally."""


_WRITER = f"{socket.gethostname()}-{secrets.token_hex(4)}"  # temporary names unique across machines sharing the folder


def encode_entry(key: str, result: PageResult) -> bytes:
    """MAGIC, the payload's checksum, then the payload: a JSON header line and the record's line (if any)."""
    header = {"key": key, "page_type": result.page_type, "versions": depends_on(result.page_type),
              "result": {name: getattr(result, name) for name in _RESULT_FIELDS},
              "record": result.record_json is not None}
    payload = orjson.dumps(header) + b"\n" + (result.record_json or b"")
    return MAGIC + _checksum(payload) + b"\n" + payload


def decode_entry(key: str, data: bytes) -> tuple[str | None, dict, PageResult]:
    """(page type, versions, result) of an entry's bytes; ValueError when they are not a whole entry of key."""
    if not data.startswith(MAGIC):
        raise ValueError("not an entry of this cache" if data else "empty")
    checksum, _, payload = data[len(MAGIC):].partition(b"\n")
    if checksum != _checksum(payload):
        raise ValueError("checksum mismatch")
    line, _, record = payload.partition(b"\n")
    header = orjson.loads(line)
    if header.get("key") != key:
        raise ValueError(f"holds the entry of another key ({header.get('key')})")
    result = PageResult(**header["result"], record_json=record if header["record"] else None)
    return header["page_type"], header["versions"], result


def _checksum(payload: bytes) -> bytes:
    """Length and CRC-32: catches a cut, an empty or a damaged entry (not made against tampering)."""
    return b"%d %08x" % (len(payload), zlib.crc32(payload))


def _read_all(fd: int, size: int) -> bytes:
    """The file's bytes: one read when it holds the size fstat said (an entry is never changed in place)."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    chunks = [data]
    while chunks[-1]:  # a short read, or a file that grew
        chunks.append(os.read(fd, 1 << 20))
    return b"".join(chunks)


def _touch(path: Path) -> None:
    """Mark a hit as a recent use for `ingest gc`; best effort (an entry another user wrote may refuse it:
    at worst gc removes it early and its page is extracted again)."""
    try:
        os.utime(path)
    except OSError:
        pass


def _discard(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _raise_storage(exc: OSError, path: Path) -> None:
    """StorageFailed when exc is the storage failing (full, read-only, denied, an I/O error)."""
    if (failure := storage_failure(exc, str(path))) is not None:
        raise failure from exc


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
