"""Exact and near-duplicate detection over ``(doc_id, text)`` pairs.

Level 1 (exact): ``normalize_text`` / ``content_key`` / ``exact_duplicate_groups``.
Level 2 (near-duplicate): ``MinHasher`` signatures, ``LSHIndex`` candidates,
``near_duplicate_clusters`` verified clusters.
"""

from .clusters import Cluster, exact_duplicate_groups, near_duplicate_clusters
from .lsh import LSHIndex, candidate_probability, choose_bands
from .minhash import EMPTY, MinHasher, jaccard, jaccard_estimate
from .normalize import content_key, normalize_text, word_bytes, words

__all__ = [
    "EMPTY",
    "Cluster",
    "LSHIndex",
    "MinHasher",
    "candidate_probability",
    "choose_bands",
    "content_key",
    "exact_duplicate_groups",
    "jaccard",
    "jaccard_estimate",
    "near_duplicate_clusters",
    "normalize_text",
    "word_bytes",
    "words",
]
