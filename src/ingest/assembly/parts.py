"""Batch parts: what one `extract-batch` leaves on disk instead of sending its results back.

    <out>/.staging/<settings key>/<batch key>/
        records.<dataset>.jsonl   the batch's records as release lines, sorted by (record id, page path)
        quarantine.jsonl          its quarantine entries, sorted by path
        pages.jsonl               one line per page, sorted by path: path, sha256, dataset, record id, code refs
        dedup.<dataset>.jsonl     the records' dedup entries (content key, LSH band hashes: ingest.dedup.staged)
        COMPLETE.json             written last: the batch's summary (a batch without it is redone)

The settings key names what shapes extraction (ingest.assembly.incremental.build_key); the batch key
digests its pages (path, bytes' SHA-256, fetch provenance), so a resumed or retried build finds the
folders of the batches it finished. Every file is written to a temporary name, fsynced and renamed;
the marker comes last, so a batch killed half-way is never read, only redone. A batch holding a
transient outcome (timeout, worker crash, internal error: ingest.errors.TRANSIENT_REASONS) is redone
too, as the extraction cache never keeps one.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson

from ingest import faults
from ingest.assembly.incremental import build_key, inputs_digest
from ingest.atomic import fsync_dir
from ingest.dedup.staged import entries_of, write_entries
from ingest.errors import TRANSIENT_REASONS, storage_failure
from ingest.jsonl import write_lines
from ingest.page.acquire import PageRef
from ingest.page.process import PageResult
from ingest.release.layout import STAGING
from ingest.settings import BuildSettings

COMPLETE = "COMPLETE.json"
PAGES = "pages.jsonl"
QUARANTINE = "quarantine.jsonl"


def records_file(dataset: str) -> str:
    return f"records.{dataset}.jsonl"


def entries_file(dataset: str) -> str:
    return f"dedup.{dataset}.jsonl"


@dataclass(frozen=True)
class BatchParts:
    """The summary an `extract-batch` returns: where its parts are and what they hold."""

    folder: str
    pages: int
    records: dict[str, int] = field(default_factory=dict)
    quarantined: int = 0
    transient: int = 0  # quarantine entries of this run's own failures (the batch is redone next time)
    reused: bool = False  # found complete on disk: nothing was extracted
    first: str = ""  # the smallest and largest page path of the batch (where a page's record is looked up)
    last: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def staging_root(out: Path, settings: BuildSettings) -> Path:
    """The staging folder of builds with these settings under out."""
    key = hashlib.sha256(orjson.dumps(build_key(settings), option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    return Path(out) / STAGING / key


def batch_folder(root: Path, pages: Sequence[tuple[PageRef, str | None]]) -> Path:
    """The folder of one batch's parts: named by a digest of its pages."""
    return Path(root) / inputs_digest(list(pages))[:32]


def complete_parts(folder: Path) -> BatchParts | None:
    """The batch's summary when its parts are complete and hold no transient outcome, else None."""
    try:
        summary = BatchParts(**orjson.loads((Path(folder) / COMPLETE).read_bytes()))
    except (OSError, ValueError, TypeError):
        return None
    if summary.transient:
        return None
    files = [PAGES, QUARANTINE, *map(records_file, summary.records), *map(entries_file, summary.records)]
    if not all((Path(folder) / name).is_file() for name in files):
        return None
    return BatchParts(**{**summary.as_dict(), "folder": str(folder), "reused": True})


def _page_line(result: PageResult) -> bytes:
    entry: dict = {"path": result.rel_path, "sha256": result.sha256}
    if result.record_json is not None:
        head = orjson.loads(result.record_json)
        entry.update(dataset=result.dataset, id=head["id"], code_refs=result.code_refs)
    return orjson.dumps(entry)


def _kill_points(name: str):
    """Per-line kill points (`part.line:<name>#k`), only when a crash test armed one."""
    if not faults.armed():
        return None
    return lambda i: faults.checkpoint(f"part.line:{name}")


@contextmanager
def storage_errors(where: Path):
    """A full disk or a denied write while writing parts or merging them: the run's StorageFailed (one line,
    never retried), naming the file."""
    try:
        yield
    except OSError as exc:
        if (failure := storage_failure(exc, str(where))) is not None:
            raise failure from exc
        raise


def write_parts(folder: Path, results: Iterable[PageResult], dedup_threshold: float) -> BatchParts:
    """Write one batch's results as parts under folder (every file renamed into place, the marker last),
    with the dedup entries of its records (MinHash runs here, in the worker)."""
    with storage_errors(Path(folder)):
        return _write_parts(Path(folder), results, dedup_threshold)


def _write_parts(folder: Path, results: Iterable[PageResult], dedup_threshold: float) -> BatchParts:
    if folder.exists():  # a killed attempt's files: rewritten (its temporaries removed)
        for leftover in folder.glob(".tmp-*"):
            leftover.unlink(missing_ok=True)
        (folder / COMPLETE).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    records: dict[str, list[tuple[str, str, bytes]]] = {}
    quarantine: list[tuple[str, bytes]] = []
    pages: list[tuple[str, bytes]] = []
    transient = 0
    for result in results:
        pages.append((result.rel_path, _page_line(result)))
        if result.quarantine is not None:
            transient += result.quarantine["reason"] in TRANSIENT_REASONS
            quarantine.append((result.quarantine["path"], orjson.dumps(result.quarantine)))
        elif result.dataset and result.record_json is not None:
            head = orjson.loads(result.record_json)
            records.setdefault(result.dataset, []).append((head["id"], result.rel_path, result.record_json))
    faults.checkpoint("part.begin")
    for dataset, rows in sorted(records.items()):
        name, lines = records_file(dataset), [line for _, _, line in sorted(rows)]
        write_lines(folder / name, lines, _kill_points(name))
        write_entries(folder / entries_file(dataset), entries_of(dataset, lines, dedup_threshold), dedup_threshold)
        faults.checkpoint("part.entries")
    write_lines(folder / QUARANTINE, (line for _, line in sorted(quarantine)), _kill_points(QUARANTINE))
    write_lines(folder / PAGES, (line for _, line in sorted(pages)), _kill_points(PAGES))
    paths = sorted(path for path, _ in pages)
    summary = BatchParts(str(folder), len(pages), {d: len(rows) for d, rows in sorted(records.items())},
                         len(quarantine), transient, first=paths[0] if paths else "", last=paths[-1] if paths else "")
    faults.checkpoint("part.complete")
    write_lines(folder / COMPLETE, [orjson.dumps(summary.as_dict())])
    fsync_dir(folder)
    return summary


def remove_staging(out: Path) -> list[Path]:
    """Remove every staging folder under out (call under out's lock); returns what was removed."""
    root = Path(out) / STAGING
    if not root.is_dir():
        return []
    removed = sorted(root.iterdir())
    shutil.rmtree(root, ignore_errors=True)
    return removed


# --------------------------------------------------------------------------- reading parts (k-way merges)


def _lines(path: Path) -> Iterator[bytes]:
    if not path.is_file():
        return
    with open(path, "rb") as fh:
        for line in fh:
            yield line.rstrip(b"\n")


def merged_lines(paths: Iterable[Path], key) -> Iterator[bytes]:
    """The lines of sorted files as one sorted stream (heapq.merge: one line of each file in memory)."""
    return heapq.merge(*(_lines(Path(p)) for p in paths), key=key)


def _path_key(line: bytes) -> str:
    return orjson.loads(line)["path"]


def page_lines(parts: Sequence[BatchParts]) -> Iterator[dict]:
    """Every page's bookkeeping line, in path order."""
    return map(orjson.loads, merged_lines((Path(p.folder) / PAGES for p in parts), _path_key))


def quarantine_lines(parts: Sequence[BatchParts]) -> Iterator[bytes]:
    """Every quarantine entry (as its line), in path order."""
    return merged_lines((Path(p.folder) / QUARANTINE for p in parts), _path_key)


def record_rows(parts: Sequence[BatchParts], dataset: str) -> Iterator[tuple[str, str, bytes]]:
    """(record id, page path, release line) of a dataset's records across batches, sorted by (id, path)."""
    def rows(path: Path) -> Iterator[tuple[str, str, bytes]]:
        for line in _lines(path):
            head = orjson.loads(line)
            yield head["id"], head["sources"][0]["path"], line

    return heapq.merge(*(rows(Path(p.folder) / records_file(dataset)) for p in parts if dataset in p.records))


class LineLookup:
    """The release line of a page's record, read back from the parts (dedup reads only its candidates'):
    the batch is found by its path range; where each of its records' lines starts is read once into a
    small cache (offsets, not lines: 16 batches' lines held ~30 MB), then the line itself from the file."""

    def __init__(self, parts: Sequence[BatchParts], dataset: str, extra: dict[str, bytes], cached: int = 64) -> None:
        self.parts = sorted((p for p in parts if dataset in p.records), key=lambda p: p.first)
        self.firsts = [p.first for p in self.parts]
        self.dataset, self.extra, self.cached = dataset, extra, cached
        self._cache: dict[str, dict[str, tuple[int, int]]] = {}

    def _batch(self, part: BatchParts) -> dict[str, tuple[int, int]]:
        found = self._cache.pop(part.folder, None)
        if found is None:
            found, offset = {}, 0
            with open(Path(part.folder) / records_file(self.dataset), "rb") as fh:
                for raw in fh:
                    line = raw.rstrip(b"\n")
                    found[orjson.loads(line)["sources"][0]["path"]] = (offset, len(line))
                    offset += len(raw)
            if len(self._cache) >= self.cached:
                self._cache.pop(next(iter(self._cache)))
        self._cache[part.folder] = found  # most recently used last
        return found

    def __call__(self, path: str) -> bytes:
        if path in self.extra:
            return self.extra[path]
        i = bisect.bisect_right(self.firsts, path) - 1
        candidates = ([self.parts[i]] if i >= 0 else []) + self.parts  # ranges do not overlap in a build
        for part in candidates:
            if part.first <= path <= part.last and (at := self._batch(part).get(path)) is not None:
                with open(Path(part.folder) / records_file(self.dataset), "rb") as fh:
                    fh.seek(at[0])
                    return fh.read(at[1])
        raise KeyError(path)
