"""Diff two releases (or a release and datasets in memory, as publish does): records added, removed, changed.

A pure library (the commands are in cli/releases.py; where releases are, in release.layout). Dataset
files are streamed line by line. Two files sorted by key (every dataset a build writes: records by
id, quarantine by path, entities by entity) are merge-joined: one line of each in memory. A file
found out of key order (codes sorted by system then code, duplicates, releases of other tools) falls
back to an index of one side, record key -> (digest, byte offset), with the other side streamed and
a record of the indexed side parsed only when the bytes differ: memory then grows with the number of
records, not with their size.
Records are matched by `id`; quarantine entries by `path`; codes by system+code; duplicate
clusters by dataset+record_id+level; a key seen again in the same file gets `#2`, `#3`, ...
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ingest.jsonl import Records, RecordsFile, json_line
from ingest.release.layout import dataset_files

KEY_FIELDS: dict[str, tuple[str, ...]] = {"quarantine": ("path",), "codes": ("system", "code"), "entities": ("entity",),
                                          "duplicates": ("dataset", "record_id", "level")}


@dataclass(frozen=True)
class FieldChange:
    """Old and new value of one field (None when the field is absent)."""

    old: Any
    new: Any

    @property
    def is_list(self) -> bool:
        return isinstance(self.old, list | None) and isinstance(self.new, list | None)

    def items(self) -> tuple[list, list]:
        """(added, removed) items of a list field, multiplicity-aware, in list order."""
        old, new = self.old or [], self.new or []
        return _minus(new, old), _minus(old, new)

    def detail(self) -> dict:
        """Machine form: lists {"added", "removed"} (+ "reordered" if only the order changed), else {"old", "new"}."""
        if not self.is_list:
            return {"old": self.old, "new": self.new}
        added, removed = self.items()
        return {"added": added, "removed": removed, **({"reordered": True} if not added and not removed else {})}


@dataclass(frozen=True)
class RecordChange:
    id: str
    fields: dict[str, FieldChange]


@dataclass
class DatasetDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[RecordChange] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)}


@dataclass
class ReleaseDiff:
    """Records added, removed and changed per dataset between two releases (ids sorted)."""

    old_id: str | None
    new_id: str | None
    datasets: dict[str, DatasetDiff]
    warnings: list[str] = field(default_factory=list)  # missing files, unreadable lines (skipped)

    def summary(self) -> dict[str, dict[str, int]]:
        """{dataset: {"added", "removed", "changed"}} (what the manifest's `changes` holds)."""
        return {name: d.counts() for name, d in sorted(self.datasets.items())}

    def is_empty(self) -> bool:
        return not any(d.added or d.removed or d.changed for d in self.datasets.values())

    def change_records(self) -> Iterator[dict]:
        """The lines of changes.jsonl as dicts, sorted by (dataset, id)."""
        for name, d in sorted(self.datasets.items()):
            entries = [(i, "added", None) for i in d.added] + [(i, "removed", None) for i in d.removed]
            entries += [(c.id, "changed", c) for c in d.changed]
            for rid, kind, change in sorted(entries, key=lambda e: e[0]):
                line = {"dataset": name, "id": rid, "change": kind}
                if change is not None:
                    line["fields"] = {k: {"old": f.old, "new": f.new} for k, f in change.fields.items()}
                yield line

    def changes_jsonl(self) -> bytes:
        """changes.jsonl: one compact JSON object per changed record, deterministic bytes."""
        return b"".join(orjson.dumps(line) + b"\n" for line in self.change_records())

    def largest(self, limit: int = 25) -> list[dict]:
        """The `limit` changed records with the most changed fields, then added and removed ones:
        {dataset, id, change, fields (sorted names; [] unless changed)}."""
        entries = ((name, rid, kind, sorted(c.fields) if c is not None else [])
                   for name, d in self.datasets.items()
                   for rid, kind, c in [*((i, "added", None) for i in d.added),
                                        *((i, "removed", None) for i in d.removed),
                                        *((c.id, "changed", c) for c in d.changed)])
        top = heapq.nsmallest(limit, entries, key=lambda e: (-len(e[3]), e[2], e[0], e[1]))
        return [{"dataset": name, "id": rid, "change": kind, "fields": fields} for name, rid, kind, fields in top]

    def to_json(self) -> dict:
        """Machine form for `ingest diff --json` (list fields as items added/removed)."""
        return {
            "old": self.old_id, "new": self.new_id, "summary": self.summary(),
            "datasets": {name: {"added": d.added, "removed": d.removed,
                                "changed": [{"id": c.id, "fields": {k: f.detail() for k, f in c.fields.items()}}
                                            for c in d.changed]}
                         for name, d in sorted(self.datasets.items())},
            "warnings": self.warnings,
        }


def record_key(dataset: str, record: dict) -> str:
    """The key a record is matched by across releases: id; path (quarantine); system:code (codes);
    `sha:<digest>` of the whole record when it has none of its dataset's key fields."""
    values = [record.get(f) for f in KEY_FIELDS.get(dataset, ("id",))]
    if all(v in (None, "") for v in values):
        return "sha:" + hashlib.blake2b(_canon(record), digest_size=8).hexdigest()
    return ":".join(str(v if v is not None else "") for v in values)


def _key_function(dataset: str) -> Callable[[dict], str]:
    """record_key, with `#k` appended to the k-th repeat of a key within one file."""
    seen: Counter[str] = Counter()

    def key(record: dict) -> str:
        k = record_key(dataset, record)
        seen[k] += 1
        return k if seen[k] == 1 else f"{k}#{seen[k]}"

    return key


def field_changes(old: dict, new: dict) -> dict[str, FieldChange]:
    """Fields whose values differ (new record's field order, then fields only the old one has)."""
    names = list(new) + [k for k in old if k not in new]
    return {k: FieldChange(old.get(k), new.get(k)) for k in names if _canon(old.get(k)) != _canon(new.get(k))}


def diff_releases(old_dir: Path | None, new_dir: Path) -> ReleaseDiff:
    """Diff two release directories (old_dir None: everything in new_dir is added)."""
    new_files = dataset_files(new_dir)

    def one(name: str, old_path: Path | None, warnings: list[str]) -> DatasetDiff:
        return _diff_files(name, old_path, new_files.get(name), warnings)

    return _diff(old_dir, Path(new_dir).name, new_files, one)


def diff_datasets(old_dir: Path | None, new: Mapping[str, Iterable[dict] | bytes],
                  new_id: str | None = None) -> ReleaseDiff:
    """Diff a release directory against new datasets ({dataset: records, JSONL bytes, or a file written
    by the build, ingest.jsonl.RecordsFile}), as publish does."""
    def one(name: str, old_path: Path | None, warnings: list[str]) -> DatasetDiff:
        records = new.get(name, ())
        if isinstance(records, RecordsFile):
            return _diff_files(name, old_path, records.path, warnings)
        index = _MemoryIndex(name, records)
        return _diff_dataset(name, old_path, index, warnings)

    return _diff(old_dir, new_id, new, one)


def iter_records(path: Path, warnings: list[str] | None = None) -> Iterator[tuple[int, bytes, dict]]:
    """(byte offset, line without newline, record) of every line of a JSONL file, streamed."""
    offset = 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            start, offset = offset, offset + len(raw)
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                record = None
            if not isinstance(record, dict):
                if warnings is not None:
                    warnings.append(f"{path.parent.name}/{path.name}:{number}: unreadable line skipped")
                continue
            yield start, line, record


def _diff(old_dir: Path | None, new_id: str | None, new_names: Iterable[str],
          diff_one: Callable[[str, Path | None, list[str]], DatasetDiff]) -> ReleaseDiff:
    warnings: list[str] = []
    old_files = dataset_files(old_dir) if old_dir is not None else {}
    out = {name: diff_one(name, old_files.get(name), warnings)  # one dataset at a time
           for name in sorted(set(old_files) | set(new_names))}
    return ReleaseDiff(Path(old_dir).name if old_dir is not None else None, new_id, out, warnings)


def _diff_files(name: str, old_path: Path | None, new_path: Path | None, warnings: list[str]) -> DatasetDiff:
    """Two dataset files: merge-joined when both are sorted by key, else through an index of the new one."""
    mark = len(warnings)
    if (joined := _merge_join(name, old_path, new_path, warnings)) is not None:
        return joined
    del warnings[mark:]  # the second reading says the same again
    index = _FileIndex(name, new_path, warnings)
    try:
        return _diff_dataset(name, old_path, index, warnings)
    finally:
        index.close()


def _keyed(name: str, path: Path | None, warnings: list[str]) -> Iterator[tuple[str, bytes, dict]]:
    if path is None or not path.is_file():
        if path is not None:
            warnings.append(f"{path.parent.name}/{path.name}: missing")
        return
    last, repeat = None, 0  # in key order a repeated key follows itself: only the last one is remembered
    for _, line, record in iter_records(path, warnings):
        key = record_key(name, record)
        repeat = repeat + 1 if key == last else 1
        last = key
        # (a key repeated further on comes back unnumbered, out of order: Unsorted, and the index numbers it)
        yield (key if repeat == 1 else f"{key}#{repeat}"), line, record


def _ordered(rows: Iterator[tuple[str, bytes, dict]]) -> Iterator[tuple[str, bytes, dict]]:
    last = None
    for row in rows:
        if last is not None and row[0] <= last:
            raise Unsorted
        last = row[0]
        yield row


class Unsorted(Exception):
    """A dataset file is not in key order: its diff needs an index (_diff_files falls back to one)."""


def joined_changes(name: str, old_path: Path | None, new_path: Path | None,
                   warnings: list[str]) -> Iterator[tuple[str, str, dict[str, FieldChange] | None]]:
    """(key, "added" | "removed" | "changed", field changes or None) of two files sorted by key, in key order,
    walking both at once (one line of each held); raises Unsorted where either is out of key order."""
    old, new = _ordered(_keyed(name, old_path, warnings)), _ordered(_keyed(name, new_path, warnings))
    o, n = next(old, None), next(new, None)
    while o is not None or n is not None:
        if o is not None and n is not None and o[0] == n[0]:
            if _digest(o[1]) != _digest(n[1]) and (fields := field_changes(o[2], n[2])):
                yield o[0], "changed", fields
            o, n = next(old, None), next(new, None)
        elif n is None or (o is not None and o[0] < n[0]):
            yield o[0], "removed", None
            o = next(old, None)
        else:
            yield n[0], "added", None
            n = next(new, None)


def _merge_join(name: str, old_path: Path | None, new_path: Path | None, warnings: list[str]) -> DatasetDiff | None:
    """The diff of two files sorted by key, walking both at once; None when either is out of key order."""
    result = DatasetDiff()
    try:
        for key, kind, fields in joined_changes(name, old_path, new_path, warnings):
            if kind == "changed":
                result.changed.append(RecordChange(key, fields))
            else:
                getattr(result, kind).append(key)
    except Unsorted:
        return None
    return result


def _diff_dataset(name: str, old_path: Path | None, new: _FileIndex | _MemoryIndex, warnings: list[str]) -> DatasetDiff:
    result, seen, key_of = DatasetDiff(), set(), _key_function(name)
    if old_path is not None and old_path.is_file():
        for _, line, old in iter_records(old_path, warnings):
            key = key_of(old)
            if key not in new.entries:
                result.removed.append(key)
                continue
            seen.add(key)
            if not new.same(key, line):
                fields = field_changes(old, new.record(key))
                if fields:
                    result.changed.append(RecordChange(key, fields))
    elif old_path is not None:
        warnings.append(f"{old_path.parent.name}/{old_path.name}: missing")
    result.added = sorted(k for k in new.entries if k not in seen)
    result.removed.sort()
    result.changed.sort(key=lambda c: c.id)
    return result


class _FileIndex:
    """key -> (digest, offset) of one dataset file; a record is re-read by its offset on demand."""

    def __init__(self, dataset: str, path: Path | None, warnings: list[str]) -> None:
        self.path, self._fh = path, None
        self.entries: dict[str, tuple[bytes, int]] = {}
        if path is not None and path.is_file():
            key_of = _key_function(dataset)
            for offset, line, record in iter_records(path, warnings):
                self.entries[key_of(record)] = (_digest(line), offset)
        elif path is not None:
            warnings.append(f"{path.parent.name}/{path.name}: missing")

    def same(self, key: str, line: bytes) -> bool:
        return self.entries[key][0] == _digest(line)

    def record(self, key: str) -> dict:
        if self._fh is None:
            self._fh = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        self._fh.seek(self.entries[key][1])
        return orjson.loads(self._fh.readline())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class _MemoryIndex:
    """key -> release line of datasets already in memory (records, ``Records`` or JSONL bytes)."""

    def __init__(self, dataset: str, records: Iterable[dict] | Records | bytes) -> None:
        if isinstance(records, bytes):  # a JSONL file not held as records (e.g. an extra file of publish)
            lines = [line for line in records.splitlines() if line.strip()]
        elif isinstance(records, Records):
            lines = records.lines
        else:
            lines = [json_line(record) for record in records]
        key_of = _key_function(dataset)
        self.entries = {key_of(orjson.loads(line)): line for line in lines}

    def same(self, key: str, line: bytes) -> bool:
        return self.entries[key] == line

    def record(self, key: str) -> dict:
        return orjson.loads(self.entries[key])  # JSON-native values, as a reader sees them

    def close(self) -> None:
        pass


def _digest(line: bytes) -> bytes:
    return hashlib.blake2b(line, digest_size=16).digest()


def _canon(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _minus(items: list, other: list) -> list:
    left = Counter(_canon(x) for x in other)
    out = []
    for item in items:
        key = _canon(item)
        if left[key]:
            left[key] -= 1
        else:
            out.append(item)
    return out
