"""Banded LSH: band choice, candidate pairs versus brute force, queries."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.dedup import LSHIndex, MinHasher, candidate_probability, choose_bands


def test_choose_bands_prefers_recall():
    assert choose_bands(0.8, 128) == (16, 8)
    b, r = choose_bands(0.8, 128)
    assert candidate_probability(0.8, b, r) > 0.9
    assert candidate_probability(0.8, 9, 13) < candidate_probability(0.8, b, r)
    assert candidate_probability(0.3, b, r) < 0.01


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0])
@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_choose_bands_is_valid(threshold, num_perm):
    b, r = choose_bands(threshold, num_perm)
    assert b >= 1 and r >= 1 and b * r <= num_perm


def test_choose_bands_rejects_bad_threshold():
    with pytest.raises(ValueError):
        choose_bands(0.0, 128)
    with pytest.raises(ValueError):
        choose_bands(1.5, 128)


def _brute_force(sigs: np.ndarray, b: int, r: int) -> set[tuple[int, int]]:
    out = set()
    for i, j in itertools.combinations(range(len(sigs)), 2):
        for band in range(b):
            sl = slice(band * r, (band + 1) * r)
            if (sigs[i, sl] == sigs[j, sl]).all():
                out.add((i, j))
                break
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 40), st.integers(1, 3))
def test_candidate_pairs_match_brute_force(seed, n, alphabet):
    # tiny value alphabet -> many band collisions and big buckets
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, alphabet + 1, size=(n, 12)).astype(np.uint64)
    index = LSHIndex(num_perm=12, bands=(4, 3))
    index.insert([f"k{i}" for i in range(n)], sigs)
    pairs = index.candidate_pairs()
    assert pairs.dtype == np.int64 and pairs.shape[1] == 2
    assert {tuple(p) for p in pairs.tolist()} == _brute_force(sigs, 4, 3)
    assert pairs.tolist() == sorted(pairs.tolist())
    for i in range(min(n, 5)):
        expected = {f"k{j}" for p in pairs.tolist() if i in p for j in p} | {f"k{i}"}
        assert set(index.query(sigs[i])) == expected


def test_insert_in_batches_equals_single_insert():
    mh = MinHasher()
    texts = [f"common words here and there number {i % 5} again" for i in range(20)]
    sigs = mh.signatures(texts)
    one = LSHIndex()
    one.insert([str(i) for i in range(20)], sigs)
    many = LSHIndex()
    for start in range(0, 20, 6):
        many.insert([str(i) for i in range(start, min(start + 6, 20))], sigs[start : start + 6])
    assert (one.candidate_pairs() == many.candidate_pairs()).all()
    assert len(many) == 20 and many.keys == [str(i) for i in range(20)]
    assert many.band_hashes(sigs).shape == (20, 16)


def test_index_rejects_bad_input():
    index = LSHIndex()
    sig = MinHasher().signature("some words")
    index.add("a", sig)
    with pytest.raises(ValueError):
        index.add("a", sig)
    with pytest.raises(ValueError):
        index.insert(["b"], np.zeros((1, 64), np.uint64))
    with pytest.raises(ValueError):
        LSHIndex(num_perm=128, bands=(20, 8))
    assert LSHIndex().candidate_pairs().shape == (0, 2)
    assert index.query(sig) == ["a"]
