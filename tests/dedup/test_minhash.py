"""MinHash signatures: determinism, batching, short texts, estimate accuracy."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import numpy as np
import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.dedup import EMPTY, MinHasher, jaccard, jaccard_estimate
from ingest.dedup import minhash as minhash_mod

VOCAB = [f"w{i}" for i in range(400)]
TEXT = "The surgeon makes two small cuts near the knee and inserts a thin camera."


def random_pair(rng: random.Random, n_words: int = 300) -> tuple[str, str]:
    """Two texts sharing a random prefix fraction of their word sequence."""
    a = rng.choices(VOCAB, k=n_words)
    b = list(a)
    keep = rng.randint(0, n_words)
    b[keep:] = rng.choices(VOCAB, k=n_words - keep)
    return " ".join(a), " ".join(b)


@pytest.fixture(scope="module")
def hasher() -> MinHasher:
    return MinHasher()


def test_signature_shape_dtype_and_range(hasher):
    sig = hasher.signature(TEXT)
    assert sig.shape == (128,) and sig.dtype == np.uint64
    assert (sig < 2**32).all()
    assert hasher.signatures([TEXT, TEXT]).shape == (2, 128)
    assert hasher.signatures([]).shape == (0, 128)


def test_signature_is_pinned_and_seeded(hasher):
    # Golden value: signatures persisted by callers must stay comparable.
    sig = hasher.signature(TEXT)
    assert sig[:4].tolist() == GOLDEN_HEAD
    assert xxhash.xxh3_64_hexdigest(sig.astype("<u8").tobytes()) == GOLDEN_DIGEST
    assert (MinHasher(seed=1).signature(TEXT) == hasher.signature(TEXT)).all()
    assert (MinHasher(seed=2).signature(TEXT) != hasher.signature(TEXT)).any()


def test_signature_same_in_another_process_with_other_hash_seed(hasher):
    code = (
        "import xxhash; from ingest.dedup import MinHasher;"
        f"print(xxhash.xxh3_64_hexdigest(MinHasher().signature({TEXT!r}).astype('<u8').tobytes()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == GOLDEN_DIGEST


def test_normalisation_does_not_change_signature(hasher):
    a = hasher.signature("Knee \u2014 ARTHROSCOPY:  the   surgeon\u2019s camera!")
    b = hasher.signature("knee - arthroscopy the surgeon's camera")
    assert (a == b).all()


def test_empty_and_short_texts(hasher):
    empty = hasher.signature("")
    assert (empty == EMPTY).all()
    assert (hasher.signature(" ...  --- ") == EMPTY).all()
    assert jaccard_estimate(empty, empty) == 0.0
    one = hasher.signature("biopsy")
    assert (one < 2**32).all() and jaccard_estimate(one, hasher.signature("BIOPSY!")) == 1.0
    # fewer words than the shingle size: all-words shingle + unigrams
    assert hasher.shingle_hashes("a b c").size == 4
    assert jaccard(hasher.shingle_hashes("a b c"), hasher.shingle_hashes("a b c d")) == 0.5
    assert jaccard_estimate(hasher.signature("a b c"), hasher.signature("x y z")) == 0.0


def test_shingle_count_for_long_text(hasher):
    text = " ".join(f"w{i}" for i in range(20))
    assert hasher.shingle_hashes(text).size == 16
    assert MinHasher(shingle_size=1).shingle_hashes(text).size == 20


def test_iter_signatures_streams_in_batches():
    mh = MinHasher(batch_size=3)
    texts = (f"text number {i} with some words in it" for i in range(8))
    blocks = list(mh.iter_signatures(texts))
    assert [b.shape[0] for b in blocks] == [3, 3, 2]


def test_chunking_does_not_change_signatures(monkeypatch, hasher):
    rng = random.Random(3)
    texts = [" ".join(rng.choices(VOCAB, k=rng.randint(0, 40))) for _ in range(25)]
    expected = hasher.signatures(texts)
    monkeypatch.setattr(minhash_mod, "_CHUNK", 7)  # docs straddle many chunks
    assert (hasher.signatures(texts) == expected).all()


def test_invalid_arguments():
    with pytest.raises(ValueError):
        MinHasher(num_perm=0)
    with pytest.raises(ValueError):
        MinHasher(seed=-1)
    with pytest.raises(ValueError):
        jaccard_estimate(np.zeros(3, np.uint64), np.zeros(4, np.uint64))


texts_strategy = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.lists(st.sampled_from(VOCAB[:30]), max_size=12).map(" ".join),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(texts_strategy, st.integers(1, 5), st.integers(1, 6))
def test_signature_alone_equals_batch(texts, batch_size, shingle_size):
    mh = MinHasher(num_perm=16, shingle_size=shingle_size, batch_size=batch_size)
    batch = mh.signatures(texts)
    for text, row in zip(texts, batch, strict=True):
        assert (mh.signature(text) == row).all()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_any_text_never_raises(text):
    mh = MinHasher(num_perm=8)
    sig = mh.signature(text)
    assert 0.0 <= jaccard_estimate(sig, mh.signature(text.upper())) <= 1.0


# 128 permutations give a standard error of at most 0.044, so +-0.1 is ~2.3
# sigma: derandomised to keep the examples (and the verdict) fixed.
@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**16))
def test_estimate_within_tolerance_of_true_jaccard(hasher_seed, pair_seed):
    mh = MinHasher(seed=hasher_seed)
    a, b = random_pair(random.Random(pair_seed))
    true = jaccard(mh.shingle_hashes(a), mh.shingle_hashes(b))
    assert abs(jaccard_estimate(mh.signature(a), mh.signature(b)) - true) <= 0.1


def test_estimate_is_unbiased_and_agrees_with_datasketch(hasher):
    datasketch = pytest.importorskip("datasketch")
    from ingest.dedup import words

    def ds_sig(text):
        ws = words(text)
        m = datasketch.MinHash(num_perm=128, seed=1)
        m.update_batch([" ".join(ws[i : i + 5]).encode() for i in range(len(ws) - 4)])
        return m

    rng = random.Random(11)
    ours, theirs, truth = [], [], []
    for _ in range(40):
        a, b = random_pair(rng, 200)
        truth.append(jaccard(hasher.shingle_hashes(a), hasher.shingle_hashes(b)))
        ours.append(jaccard_estimate(hasher.signature(a), hasher.signature(b)))
        theirs.append(ds_sig(a).jaccard(ds_sig(b)))
    ours, theirs, truth = map(np.array, (ours, theirs, truth))
    assert np.abs(ours - truth).mean() < 0.05
    assert np.abs(theirs - truth).mean() < 0.05
    assert abs((ours - truth).mean()) < 0.02  # no systematic bias
    assert np.abs(ours - theirs).max() < 0.25
    assert abs((ours - theirs).mean()) < 0.03


GOLDEN_HEAD = [330562116, 783495840, 174699418, 702152909]
GOLDEN_DIGEST = "f9436ff29c50c245"
