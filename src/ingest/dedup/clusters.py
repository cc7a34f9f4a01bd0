"""Exact and near-duplicate grouping of ``(doc_id, text)`` pairs.

Both functions are pure and deterministic: the output depends only on the set
of ``(doc_id, text)`` pairs, never on their order.  ``doc_id`` values must be
unique strings (``ValueError`` otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .lsh import LSHIndex
from .minhash import EMPTY, MinHasher, jaccard
from .normalize import content_key

__all__ = ["Cluster", "exact_duplicate_groups", "near_duplicate_clusters"]


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of near-duplicate documents.

    ``members``: sorted doc ids (at least two).  ``pairs``: the verified
    evidence edges ``(a, b, similarity)`` with ``a < b``, sorted; they connect
    all members.  Exact copies (same ``content_key``) are linked to the
    smallest id of their copy group with similarity 1.0; other edges carry the
    Jaccard similarity that passed verification.
    """

    members: tuple[str, ...]
    pairs: list[tuple[str, str, float]] = field(default_factory=list)


def _check_ids(docs: Sequence[tuple[str, str]]) -> list[str]:
    # a lazy ``docs`` (texts computed when read) may list its ids as ``docs.ids``
    ids = list(getattr(docs, "ids", None) or [doc_id for doc_id, _ in docs])
    seen: set[str] = set()
    for doc_id in ids:
        if doc_id in seen:
            raise ValueError(f"duplicate doc_id: {doc_id!r}")
        seen.add(doc_id)
    return ids


def _copy_groups(docs: Sequence[tuple[str, str]]) -> list[list[int]]:
    """Indices of ``docs`` grouped by content_key, each group sorted by doc_id."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, (_, text) in enumerate(docs):
        by_key[content_key(text)].append(i)
    return [sorted(group, key=lambda i: docs[i][0]) for group in by_key.values()]


def exact_duplicate_groups(docs: Sequence[tuple[str, str]]) -> list[tuple[str, ...]]:
    """Groups (size >= 2) of doc ids whose texts share a ``content_key``.

    Each group is sorted; groups are sorted by their first id.  Texts that
    normalise to the empty string form a group of their own.
    """
    _check_ids(docs)
    groups = [tuple(docs[i][0] for i in g) for g in _copy_groups(docs) if len(g) > 1]
    return sorted(groups)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _exact_similarities(
    hasher: MinHasher, text_of: Callable[[int], str], pairs: np.ndarray, batch_size: int
) -> np.ndarray:
    """Exact shingle-set Jaccard for each index pair (each needed text re-read and shingled once)."""
    needed = np.unique(pairs).tolist()
    sets: dict[int, np.ndarray] = {}
    for start in range(0, len(needed), batch_size):
        chunk = needed[start : start + batch_size]
        sets.update(zip(chunk, hasher.shingle_sets([text_of(i) for i in chunk]), strict=True))
    return np.array([jaccard(sets[i], sets[j]) for i, j in pairs.tolist()], dtype=np.float64)


def near_duplicate_clusters(
    docs: Sequence[tuple[str, str]],
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 5,
    *,
    seed: int = 1,
    batch_size: int = 1000,
    verify: Literal["exact", "estimate"] = "exact",
    bands: tuple[int, int] | None = None,
) -> list[Cluster]:
    """Clusters of documents whose shingle-set Jaccard reaches ``threshold``.

    1. Exact copies (same ``content_key``) are collapsed onto their smallest
       doc id; only these representatives are MinHashed.
    2. Signatures are computed ``batch_size`` documents at a time and only
       their band hashes are kept in an ``LSHIndex`` (``choose_bands``).
    3. Each candidate pair is verified.  ``verify="exact"`` (default)
       re-shingles the candidate documents and compares the exact Jaccard of
       their shingle sets, so the threshold is exact and the reported
       similarity is the true one; the cost is proportional to the number of
       candidates, not the corpus.  ``verify="estimate"`` compares signatures
       instead (standard error ~0.035 at 0.8 with 128 permutations, so pairs
       near the threshold go either way) and keeps the signatures in memory
       (4 bytes x ``num_perm`` per document).
    4. Verified pairs and exact copies are joined with union-find.

    Documents without any word never join a near-duplicate pair (they can
    still be exact copies of each other).  Singletons are not returned;
    clusters are sorted by their first member.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    if verify not in ("exact", "estimate"):
        raise ValueError("verify must be 'exact' or 'estimate'")
    if not isinstance(docs, Sequence):  # texts are revisited for verification
        docs = list(docs)
    ids = _check_ids(docs)
    hasher = MinHasher(num_perm, shingle_size, seed, batch_size=batch_size)
    index = LSHIndex(threshold, num_perm, bands=bands, seed=seed)

    groups = _copy_groups(docs)
    reps = sorted((g[0] for g in groups), key=lambda i: ids[i])
    # texts are read from ``docs`` when needed, never all held at once (``docs`` may compute them lazily)
    kept: list[int] = []  # positions in ``reps`` of documents with words
    kept_sigs: list[np.ndarray] = []
    for start, block in zip(
        range(0, len(reps), batch_size), hasher.iter_signatures(docs[i][1] for i in reps), strict=True
    ):
        nonempty = np.flatnonzero(block[:, 0] != EMPTY)
        kept.extend((start + nonempty).tolist())
        index.insert([start + int(i) for i in nonempty], block[nonempty])
        if verify == "estimate":
            kept_sigs.append(block[nonempty].astype(np.uint32))

    pairs = index.candidate_pairs()  # indices into index.keys == positions in kept
    if verify == "exact":
        sims = _exact_similarities(hasher, lambda p: docs[reps[kept[p]]][1], pairs, batch_size)
    elif pairs.size:
        sigs = np.concatenate(kept_sigs)
        sims = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
    else:
        sims = np.empty(0, dtype=np.float64)

    uf = _UnionFind(len(docs))
    edges: list[tuple[int, int, float]] = []
    for group in groups:
        for member in group[1:]:
            edges.append((group[0], member, 1.0))
    for (p, q), sim in zip(pairs.tolist(), sims.tolist()):
        if sim >= threshold:
            edges.append((reps[kept[p]], reps[kept[q]], float(sim)))
    for a, b, _ in edges:
        uf.union(a, b)

    members: dict[int, list[str]] = defaultdict(list)
    for i, doc_id in enumerate(ids):
        members[uf.find(i)].append(doc_id)
    evidence: dict[int, list[tuple[str, str, float]]] = defaultdict(list)
    for a, b, sim in edges:
        x, y = sorted((ids[a], ids[b]))
        evidence[uf.find(a)].append((x, y, sim))
    clusters = [
        Cluster(tuple(sorted(m)), sorted(evidence[root]))
        for root, m in members.items()
        if len(m) > 1
    ]
    clusters.sort(key=lambda c: c.members)
    return clusters
