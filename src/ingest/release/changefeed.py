"""changes.jsonl written as the diff runs: lines streamed in (dataset, id) order, counted, the biggest kept.

What publish needs of a diff is its lines (written to the release), the counts per dataset (the manifest's
`changes`) and the few biggest changes (the build summary). ReleaseDiff (ingest.release.diff) holds every
changed id in lists; a release of a few million records would hold them all. Here a dataset whose old and
new files are both in key order (what a build writes) is merge-joined into a spill file beside the output,
one line of each file held: its lines are already in id order. A dataset out of key order, or given in
memory, takes ReleaseDiff's path (an index) and its lines are sorted as ReleaseDiff.change_records sorts them.
The bytes are ReleaseDiff.changes_jsonl()'s (tests/test_publish.py holds them equal).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import orjson

from ingest.jsonl import Records, RecordsFile
from ingest.release.diff import DatasetDiff, FieldChange, Unsorted, diff_datasets, joined_changes
from ingest.release.layout import dataset_files

KINDS = ("added", "removed", "changed")
TRIM_AT = 4  # the biggest changes are trimmed back to `limit` when 4 x limit are held


class ChangeFeed:
    """Counts per dataset and kind of the lines that went by, and the `limit` biggest changes."""

    def __init__(self, old_id: str | None, new_id: str | None, limit: int = 25) -> None:
        self.old_id, self.new_id, self.limit = old_id, new_id, limit
        self.counts: dict[str, dict[str, int]] = {}
        self.warnings: list[str] = []
        self._big: list[tuple] = []

    def summary(self) -> dict[str, dict[str, int]]:
        """{dataset: {"added", "removed", "changed"}} (what the manifest's `changes` holds), every dataset diffed."""
        return {name: dict(c) for name, c in sorted(self.counts.items())}

    def is_empty(self) -> bool:
        return not any(any(c.values()) for c in self.counts.values())

    def largest(self, limit: int | None = None) -> list[dict]:
        """As ReleaseDiff.largest: changed records with the most changed fields, then added and removed ones."""
        top = heapq.nsmallest(min(limit or self.limit, self.limit), self._big, key=_bigness)
        return [{"dataset": name, "id": rid, "change": kind, "fields": fields} for name, rid, kind, fields in top]

    def _dataset(self, name: str) -> None:
        self.counts[name] = dict.fromkeys(KINDS, 0)

    def _line(self, name: str, rid: str, kind: str, fields: dict[str, FieldChange] | None) -> bytes:
        self.counts[name][kind] += 1
        self._big.append((name, rid, kind, sorted(fields) if fields is not None else []))
        if len(self._big) >= TRIM_AT * self.limit:
            self._big = heapq.nsmallest(self.limit, self._big, key=_bigness)
        line = {"dataset": name, "id": rid, "change": kind}
        if fields is not None:
            line["fields"] = {k: {"old": f.old, "new": f.new} for k, f in fields.items()}
        return orjson.dumps(line)


def _bigness(entry: tuple) -> tuple:
    name, rid, kind, fields = entry
    return -len(fields), kind, name, rid


def change_lines(feed: ChangeFeed, old_dir: Path | None, new: Mapping[str, Iterable[dict] | Records | bytes | RecordsFile],
                 spill: Path) -> Iterator[bytes]:
    """The lines of changes.jsonl (no newline) between the release in old_dir (None: none) and the new datasets,
    counted into feed; `spill` is a scratch file path (removed when done)."""
    old_files = dataset_files(old_dir) if old_dir is not None else {}
    try:
        for name in sorted(set(old_files) | set(new)):
            feed._dataset(name)
            data = new.get(name, ())
            if isinstance(data, RecordsFile) and (joined := _joined(feed, name, old_files.get(name), data.path, spill)):
                yield from joined
                continue
            # out of key order, or in memory: ReleaseDiff's path for this one dataset
            one = diff_datasets(old_dir, {name: data}).datasets.get(name, DatasetDiff())
            yield from _sorted_lines(feed, name, one)
    finally:
        spill.unlink(missing_ok=True)


def _joined(feed: ChangeFeed, name: str, old_path: Path | None, new_path: Path, spill: Path) -> Iterator[bytes] | None:
    """The dataset's lines from a merge-join, spilled to disk (None when a file is out of key order; nothing counted)."""
    counts, big = dict(feed.counts[name]), list(feed._big)
    try:
        with open(spill, "wb") as fh:
            for key, kind, fields in joined_changes(name, old_path, new_path, feed.warnings):
                fh.write(feed._line(name, key, kind, fields) + b"\n")
    except Unsorted:
        feed.counts[name], feed._big = counts, big  # the index path counts them again
        return None
    return _read_lines(spill)


def _read_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        for line in fh:
            yield line[:-1]


def _sorted_lines(feed: ChangeFeed, name: str, diff: DatasetDiff) -> Iterator[bytes]:
    entries = [(i, "added", None) for i in diff.added] + [(i, "removed", None) for i in diff.removed]
    entries += [(c.id, "changed", c.fields) for c in diff.changed]
    for rid, kind, fields in sorted(entries, key=lambda e: e[0]):
        yield feed._line(name, rid, kind, fields)
