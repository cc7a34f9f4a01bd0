"""Banded LSH over MinHash signatures.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows``
values; each band is hashed to one uint64.  Two documents become a candidate
pair when any band hash agrees, which happens with probability
``1 - (1 - J**rows)**bands`` for Jaccard similarity ``J``.  The index keeps
only the band hashes (``bands`` x 8 bytes per document) and the keys.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import lru_cache

import numpy as np

from .minhash import fmix64, seeded_constants

__all__ = ["choose_bands", "LSHIndex", "candidate_probability"]


def candidate_probability(similarity: float | np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Probability that a pair with Jaccard ``similarity`` shares a band."""
    s = np.asarray(similarity, dtype=np.float64)
    return 1.0 - (1.0 - s**rows) ** bands


@lru_cache(maxsize=256)
def choose_bands(
    threshold: float, num_perm: int, *, fp_weight: float = 0.05, fn_weight: float = 0.95
) -> tuple[int, int]:
    """(bands, rows) with ``bands*rows <= num_perm`` minimising weighted errors.

    Like datasketch's ``optimal_param``: the false-positive area is the
    candidate probability integrated over [0, threshold], the false-negative
    area its complement integrated over [threshold, 1].  The default weights
    favour recall (candidates are verified afterwards, so a false positive
    only costs a comparison): threshold 0.8 with 128 permutations gives
    (16, 8) instead of datasketch's (9, 13).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    if num_perm < 1:
        raise ValueError("num_perm must be >= 1")
    grid = np.linspace(0.0, 1.0, 2001)
    below, above = grid <= threshold, grid >= threshold
    best: tuple[float, int, int] | None = None
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            p = candidate_probability(grid, bands, rows)
            fp = np.trapezoid(p[below], grid[below]) if below.sum() > 1 else 0.0
            fn = np.trapezoid(1.0 - p[above], grid[above]) if above.sum() > 1 else 0.0
            err = fp_weight * float(fp) + fn_weight * float(fn)
            if best is None or err < best[0] - 1e-12:
                best = (err, bands, rows)
    assert best is not None
    return best[1], best[2]


class LSHIndex:
    """Band-hash index of MinHash signatures; yields candidate pairs.

    ``insert`` takes a batch of keys and their (n, num_perm) signatures (only
    the first ``bands*rows`` columns are used).  Keys must be unique.
    ``candidate_pairs`` returns index pairs into ``keys``; ``query`` finds the
    keys sharing a band with one signature.
    """

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 128,
        *,
        bands: tuple[int, int] | None = None,
        seed: int = 1,
    ) -> None:
        b, r = bands if bands is not None else choose_bands(threshold, num_perm)
        if b < 1 or r < 1 or b * r > num_perm:
            raise ValueError(f"bands*rows must be <= num_perm ({b}*{r} > {num_perm})")
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands, self.rows = b, r
        self._mult = seeded_constants(seed, "band-mult", r) | np.uint64(1)
        self._salt = seeded_constants(seed, "band-salt", b)
        self._keys: list[Hashable] = []
        self._key_set: set[Hashable] = set()
        self._chunks: list[np.ndarray] = []
        self._sorted: list[tuple[np.ndarray, np.ndarray]] | None = None

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[Hashable]:
        """Inserted keys in insertion order (indices of ``candidate_pairs``)."""
        return list(self._keys)

    def band_hashes(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) uint64 band hashes of (n, num_perm) signatures."""
        sig = np.asarray(signatures)
        if sig.ndim != 2 or sig.shape[1] != self.num_perm:
            raise ValueError(f"signatures must have shape (n, {self.num_perm})")
        b, r = self.bands, self.rows
        cells = sig[:, : b * r].astype(np.uint64, copy=False).reshape(sig.shape[0], b, r)
        acc = (cells * self._mult).sum(axis=2, dtype=np.uint64) + self._salt
        return fmix64(acc)

    def insert(self, keys: Sequence[Hashable], signatures: np.ndarray) -> None:
        """Add a batch of unique keys with their signatures."""
        hashes = self.band_hashes(signatures)
        if len(keys) != hashes.shape[0]:
            raise ValueError("keys and signatures differ in length")
        new = set(keys)
        if len(new) != len(keys) or not self._key_set.isdisjoint(new):
            raise ValueError("duplicate key inserted into LSHIndex")
        self._keys.extend(keys)
        self._key_set |= new
        self._chunks.append(hashes)
        self._sorted = None

    def add(self, key: Hashable, signature: np.ndarray) -> None:
        """Add one key with its (num_perm,) signature."""
        self.insert([key], np.asarray(signature)[None, :])

    def _table(self) -> np.ndarray:
        if len(self._chunks) != 1:
            table = (
                np.concatenate(self._chunks)
                if self._chunks
                else np.empty((0, self.bands), dtype=np.uint64)
            )
            self._chunks = [table]
        return self._chunks[0]

    def _band_orders(self) -> list[tuple[np.ndarray, np.ndarray]]:
        if self._sorted is None:
            table = self._table()
            self._sorted = []
            for j in range(self.bands):
                order = np.argsort(table[:, j], kind="stable")
                self._sorted.append((order, table[order, j]))
        return self._sorted

    def candidate_pairs(self) -> np.ndarray:
        """(m, 2) int64 array of index pairs ``i < j`` sharing at least one band.

        Rows are unique and sorted.  A bucket of ``m`` documents yields
        ``m*(m-1)/2`` pairs.
        """
        n = len(self._keys)
        found: list[np.ndarray] = []
        for order, col in self._band_orders():
            if n < 2:
                break
            same = col[1:] == col[:-1]
            if not same.any():
                continue
            run_id = np.cumsum(np.concatenate(([True], ~same))) - 1
            run_len = np.bincount(run_id)
            multi = run_len[run_id] >= 2
            members, rid = order[multi], run_id[multi]
            for d in range(1, int(run_len.max())):
                hit = rid[:-d] == rid[d:]
                if not hit.any():
                    break
                found.append(np.stack([members[:-d][hit], members[d:][hit]], axis=1))
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        pairs = np.concatenate(found).astype(np.int64)
        lo, hi = pairs.min(axis=1), pairs.max(axis=1)
        codes = np.unique(lo * n + hi)
        return np.stack([codes // n, codes % n], axis=1)

    def query(self, signature: np.ndarray) -> list[Hashable]:
        """Keys sharing at least one band with ``signature``, in insertion order."""
        bh = self.band_hashes(np.asarray(signature)[None, :])[0]
        hits: list[np.ndarray] = []
        for j, (order, col) in enumerate(self._band_orders()):
            lo, hi = np.searchsorted(col, bh[j], side="left"), np.searchsorted(
                col, bh[j], side="right"
            )
            hits.append(order[lo:hi])
        idx = np.unique(np.concatenate(hits)) if hits else np.empty(0, dtype=np.int64)
        return [self._keys[i] for i in idx]
