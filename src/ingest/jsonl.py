"""JSON Lines reading shared by every module that reads our own JSONL files."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Objects of a JSONL file in order; lines that are not complete JSON objects (a line cut
    by a crash) are skipped. Nothing when the file is absent."""
    if not Path(path).exists():
        return
    with open(path, "rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                yield obj


def json_line(value: Any) -> bytes:
    """`value` as one compact JSON line (no newline), in a buffer of its own size.

    orjson returns bytes inside its write buffer (several times the output: ~32 KB for a
    3 KB record) and never shrinks it; a line that is kept (a build holds one per page)
    is copied out (ijl/orjson#483)."""
    return bytes(memoryview(orjson.dumps(value)))


class Records(Sequence):
    """Records held as their JSONL lines (orjson bytes), decoded only when read.

    A record as a Python dict takes ~2.5x the memory of its JSON; a build holds every record
    of the release, so datasets are kept as lines and iterated (or indexed) as dicts."""

    __slots__ = ("lines",)

    def __init__(self, lines: Iterable[bytes] = ()) -> None:
        self.lines: list[bytes] = list(lines)

    @classmethod
    def of(cls, records: Iterable[dict | bytes]) -> Records:
        """Records from dicts (serialized as a release writes them) or lines."""
        if isinstance(records, Records):
            return records
        return cls(r if isinstance(r, bytes) else json_line(r) for r in records)

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [orjson.loads(line) for line in self.lines[i]]
        return orjson.loads(self.lines[i])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(orjson.loads, self.lines)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            return self.lines == other.lines
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Records({len(self.lines)} records)"
