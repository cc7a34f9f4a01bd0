"""On-disk helpers of staged deduplication (``ingest.dedup.staged``): rows sharded by a hash into
files of a temp folder, and an append-only store of lines addressed by a key.

Both keep in memory only what their caller asks for (one shard at a time, the key -> offset map of
the store), never the rows themselves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import xxhash

# One band-hash row of the LSH stage: the band's hash, the band's number, the entry's ordinal.
BAND_ROW = np.dtype([("hash", "<u8"), ("band", "<u2"), ("idx", "<u4")])


def shard_of(text: str, shards: int) -> int:
    """The shard of a string key (a content key, a record id): stable across runs and processes."""
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass")) % shards


class JsonShards:
    """JSON rows spread over ``shards`` files ``<folder>/<name>-<n>.jsonl`` by a string key.

    Each shard's pending rows are bytes in one buffer, written out from ``buffer`` bytes: a row kept
    as orjson returned it would hold orjson's whole write buffer (4 KB for a 150-byte row: 160 MB of
    pending rows at 300,000 pages; see ``ingest.jsonl.json_line``)."""

    def __init__(self, folder: Path, name: str, shards: int, buffer: int = 256 << 10) -> None:
        self.paths = [folder / f"{name}-{n:04d}.jsonl" for n in range(shards)]
        self._pending = [bytearray() for _ in range(shards)]
        self._buffer = buffer
        for path in self.paths:
            path.write_bytes(b"")

    def add(self, key: str, row: list[Any]) -> None:
        n = shard_of(key, len(self.paths))
        pending = self._pending[n]
        pending += orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
        if len(pending) >= self._buffer:
            self._flush(n)

    def _flush(self, n: int) -> None:
        if self._pending[n]:
            with open(self.paths[n], "ab") as fh:
                fh.write(self._pending[n])
            self._pending[n].clear()

    def close(self) -> None:
        for n in range(len(self.paths)):
            self._flush(n)

    def __iter__(self) -> Iterator[list[list[Any]]]:
        """The rows of each shard, one shard at a time."""
        for path in self.paths:
            with open(path, "rb") as fh:
                yield [orjson.loads(line) for line in fh]


class BandShards:
    """Band-hash rows (``BAND_ROW``) spread over ``shards`` binary files by hash."""

    def __init__(self, folder: Path, shards: int, buffer: int = 1 << 16) -> None:
        self.paths = [folder / f"bands-{n:04d}.bin" for n in range(shards)]
        self._pending: list[np.ndarray] = []
        self._count = 0
        self._buffer = buffer
        for path in self.paths:
            path.write_bytes(b"")

    def add(self, idx: int, hashes: np.ndarray) -> None:
        rows = np.empty(hashes.size, dtype=BAND_ROW)
        rows["hash"], rows["band"], rows["idx"] = hashes, np.arange(hashes.size), idx
        self._pending.append(rows)
        self._count += rows.size
        if self._count >= self._buffer:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        rows = np.concatenate(self._pending)
        self._pending, self._count = [], 0
        shard = rows["hash"] % np.uint64(len(self.paths))
        for n in np.unique(shard).tolist():
            with open(self.paths[n], "ab") as fh:
                rows[shard == n].tofile(fh)

    def close(self) -> None:
        self._flush()

    def __iter__(self) -> Iterator[np.ndarray]:
        for path in self.paths:
            yield np.fromfile(path, dtype=BAND_ROW)


def bucket_pairs(rows: np.ndarray, dropped: np.ndarray) -> np.ndarray:
    """Codes ``lo << 32 | hi`` (unique, sorted) of the entry pairs sharing a band bucket (same band,
    same hash) among ``rows``, leaving out the entries in ``dropped`` (sorted ordinals)."""
    rows = rows[~np.isin(rows["idx"], dropped)]
    if rows.size < 2:
        return np.empty(0, dtype=np.uint64)
    rows = rows[np.lexsort((rows["idx"], rows["hash"], rows["band"]))]
    same = (rows["hash"][1:] == rows["hash"][:-1]) & (rows["band"][1:] == rows["band"][:-1])
    if not same.any():
        return np.empty(0, dtype=np.uint64)
    run_id = np.cumsum(np.concatenate(([True], ~same))) - 1
    run_len = np.bincount(run_id)
    multi = run_len[run_id] >= 2
    members, rid = rows["idx"][multi].astype(np.uint64), run_id[multi]
    found = []
    for d in range(1, int(run_len.max())):
        hit = rid[:-d] == rid[d:]
        if not hit.any():
            break
        found.append((members[:-d][hit] << np.uint64(32)) | members[d:][hit])  # idx sorted in a run: lo < hi
    return np.unique(np.concatenate(found))


class LineStore:
    """Lines kept on disk under a key (the last ``put`` of a key wins); only offsets stay in memory."""

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "w+b")  # noqa: SIM115 (closed by close())
        self._at: dict[Any, tuple[int, int]] = {}
        self._end = 0

    def put(self, key: Any, line: bytes) -> None:
        self._fh.seek(self._end)
        self._fh.write(line)
        self._at[key] = (self._end, len(line))
        self._end += len(line)

    def get(self, key: Any) -> bytes:
        offset, size = self._at[key]
        self._fh.seek(offset)
        return self._fh.read(size)

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def keys(self) -> list[Any]:
        return list(self._at)

    def close(self) -> None:
        self._fh.close()
