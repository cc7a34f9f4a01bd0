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


class RecordsFile(Sequence):
    """A JSONL file written once (sorted, complete): its length, checksum and size known, its records
    streamed from disk on each iteration. Stands in for ``Records`` where a dataset is larger than memory."""

    __slots__ = ("path", "count", "sha256", "size")

    def __init__(self, path: Path, count: int, sha256: str, size: int) -> None:
        self.path, self.count, self.sha256, self.size = Path(path), count, sha256, size

    def __len__(self) -> int:
        return self.count

    def lines(self) -> Iterator[bytes]:
        """The lines, without their newline."""
        with open(self.path, "rb") as fh:
            for line in fh:
                yield line[:-1] if line.endswith(b"\n") else line

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(orjson.loads, self.lines())

    def __getitem__(self, i):  # type: ignore[override]
        raise TypeError("RecordsFile is streamed: iterate it")

    def __repr__(self) -> str:
        return f"RecordsFile({self.path.name}, {self.count} records)"


def write_lines(path: Path, lines: Iterable[bytes], on_line=None) -> RecordsFile:
    """Write lines (no newline each) to path durably (ingest.atomic.replace_file: a temporary name beside
    it, fsync, rename), counting and hashing them on the way. `on_line(i)` is called before line i is
    written (the crash tests' kill points)."""
    import hashlib

    from ingest.atomic import replace_file

    digest, stats = hashlib.sha256(), [0, 0]  # lines, bytes

    def counted() -> Iterator[bytes]:
        for line in lines:
            if on_line is not None:
                on_line(stats[0])
            data = line + b"\n"
            digest.update(data)
            stats[0] += 1
            stats[1] += len(data)
            yield data

    replace_file(Path(path), counted())
    return RecordsFile(path, stats[0], digest.hexdigest(), stats[1])
