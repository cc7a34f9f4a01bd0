"""Level 2 (near-duplicate) clustering: golden cases and order invariance."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.dedup import (
    Cluster,
    MinHasher,
    exact_duplicate_groups,
    jaccard,
    near_duplicate_clusters,
)

KNEE = """Knee arthroscopy. Last reviewed: 12 March 2023. Next review due: March 2026.
Knee arthroscopy is a type of keyhole surgery used to look inside the knee joint and
to treat some problems with it. It is usually carried out as a day case, which means
you can go home on the same day as your operation. The procedure is done under general
anaesthetic, so you will be asleep, or under a spinal anaesthetic that numbs your legs.
Your surgeon will make two or three small cuts around the knee, each about one
centimetre long. A thin tube containing a light and a camera, called an arthroscope, is
inserted through one of the cuts. The camera sends pictures to a screen so the surgeon
can see the cartilage, ligaments and lining of the joint. Small surgical instruments
can be passed through the other cuts to repair or remove damaged tissue. At the end of
the procedure the cuts are closed with stitches or adhesive strips and covered with a
dressing. Most people can walk on the leg soon afterwards, although you may need
crutches for a few days. You will be given exercises to do at home to strengthen the
muscles around your knee and help it recover. Swelling and some pain are common for
the first few weeks, and simple painkillers such as paracetamol usually help. Keep the
wound clean and dry until the stitches are removed, which is usually after ten to
fourteen days. You should not drive until you can comfortably use the pedals and do an
emergency stop, which may take one to three weeks. Most people can return to office
work within a week, but if your job involves heavy lifting it may be six weeks before
you can go back. Complications are rare but can include infection, bleeding into the
joint, a blood clot in the leg, and stiffness. Contact your surgeon or GP straight away
if you have a high temperature, increasing redness around the wound, or pain and
swelling in your calf. If you have any questions about the operation, speak to the
nurse at your pre-assessment appointment, who will explain what happens on the day
and answer any worries you have about the anaesthetic or your recovery at home."""

# Re-published: new review dates and one sentence rewritten.
KNEE_REDATED = (
    KNEE.replace("12 March 2023", "4 January 2025")
    .replace("March 2026", "January 2028")
    .replace(
        "Most people can walk on the leg soon afterwards, although you may need\n"
        "crutches for a few days.",
        "Many patients are able to put weight on the leg the same evening, but\n"
        "some will need crutches for a week or so.",
    )
)

COLONOSCOPY = """Colonoscopy. Last reviewed: 12 March 2023. Next review due: March 2026.
A colonoscopy is a test to check inside your bowels using a long thin flexible tube
with a small camera inside it, which is passed into your bottom. It can help find the
cause of symptoms such as bleeding from the bottom, a change in bowel habit or tummy
pain. To make sure the camera can see clearly, your bowel needs to be empty, so you
will be asked to follow a special diet for one or two days and to take a laxative the
day before the test. You will usually be offered a sedative to help you relax and
painkillers to make the procedure more comfortable. The doctor or nurse will gently
pump air into your bowel, which can feel like needing the toilet. Small samples of
tissue called biopsies may be taken and polyps can be removed during the test. The
test usually takes between thirty and forty five minutes. If you had a sedative you
will need someone to take you home and stay with you for twenty four hours, and you
must not drive or drink alcohol until the next day. You may have some wind and mild
tummy cramps afterwards. Contact your surgeon or GP straight away if you have a high
temperature, severe tummy pain or heavy bleeding from your bottom. If you have any
questions about the test, speak to the nurse at your pre-assessment appointment."""


def test_redated_page_with_one_sentence_changed_is_one_cluster():
    mh = MinHasher()
    assert len(KNEE.split()) > 290
    true = jaccard(mh.shingle_hashes(KNEE), mh.shingle_hashes(KNEE_REDATED))
    assert 0.8 <= true < 1.0
    clusters = near_duplicate_clusters([("p2", KNEE_REDATED), ("p1", KNEE)], threshold=0.8)
    assert len(clusters) == 1
    (cluster,) = clusters
    assert cluster.members == ("p1", "p2")
    assert cluster.pairs == [("p1", "p2", pytest.approx(true))]


def test_unrelated_procedure_pages_are_not_clustered():
    docs = [("knee", KNEE), ("colon", COLONOSCOPY)]
    assert near_duplicate_clusters(docs) == []
    assert near_duplicate_clusters(docs, verify="estimate") == []
    assert exact_duplicate_groups(docs) == []


def test_exact_and_near_duplicates_together():
    docs = [
        ("c", KNEE.upper()),  # exact copy after normalisation
        ("a", KNEE),
        ("b", "  " + KNEE.replace("\n", "  ")),  # exact copy (whitespace)
        ("d", KNEE_REDATED),
        ("x", COLONOSCOPY),
        ("y", ""),
        ("z", " \n "),
    ]
    assert exact_duplicate_groups(docs) == [("a", "b", "c"), ("y", "z")]
    clusters = near_duplicate_clusters(docs)
    assert [c.members for c in clusters] == [("a", "b", "c", "d"), ("y", "z")]
    knee = clusters[0]
    assert knee.pairs[:2] == [("a", "b", 1.0), ("a", "c", 1.0)]
    assert [p[:2] for p in knee.pairs] == [("a", "b"), ("a", "c"), ("a", "d")]
    assert clusters[1] == Cluster(("y", "z"), [("y", "z", 1.0)])


def test_threshold_is_a_setting():
    docs = [("p1", KNEE), ("p2", KNEE_REDATED)]
    assert near_duplicate_clusters(docs, threshold=0.99) == []
    assert len(near_duplicate_clusters(docs, threshold=0.5)) == 1


def test_short_documents_still_compare():
    docs = [("a", "Knee arthroscopy"), ("b", "knee arthroscopy!"), ("c", "Hip replacement")]
    assert [c.members for c in near_duplicate_clusters(docs)] == [("a", "b")]
    one_word = [("a", "biopsy"), ("b", "Biopsy."), ("c", "")]
    assert [c.members for c in near_duplicate_clusters(one_word)] == [("a", "b")]


def test_duplicate_ids_are_rejected():
    with pytest.raises(ValueError, match="duplicate doc_id"):
        near_duplicate_clusters([("a", "x"), ("a", "y")])
    with pytest.raises(ValueError, match="duplicate doc_id"):
        exact_duplicate_groups([("a", "x"), ("a", "y")])
    with pytest.raises(ValueError):
        near_duplicate_clusters([], threshold=0.0)


def test_empty_input():
    assert near_duplicate_clusters([]) == []
    assert exact_duplicate_groups([]) == []


def _corpus(seed: int, n_base: int = 12) -> list[tuple[str, str]]:
    """Random ~150-word pages, some with 0-4 word edits (near and exact dups)."""
    rng = random.Random(seed)
    vocab = KNEE.split() + COLONOSCOPY.split()
    docs = []
    for i in range(n_base):
        base = rng.choices(vocab, k=150)
        docs.append((f"base{i}", " ".join(base)))
        for j in range(rng.randint(0, 2)):
            copy = list(base)
            for pos in rng.sample(range(150), rng.randint(0, 4)):
                copy[pos] = rng.choice(vocab)
            docs.append((f"copy{i}-{j}", " ".join(copy)))
    docs.append(("empty", ""))
    return docs


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 1000),
    st.randoms(use_true_random=False),
    st.sampled_from(["exact", "estimate"]),
)
def test_input_order_never_changes_clusters(seed, shuffler, verify):
    docs = _corpus(seed)
    expected = near_duplicate_clusters(docs, batch_size=7, verify=verify)
    shuffled = list(docs)
    shuffler.shuffle(shuffled)
    assert near_duplicate_clusters(shuffled, batch_size=5, verify=verify) == expected
    assert exact_duplicate_groups(shuffled) == exact_duplicate_groups(docs)


def test_cluster_invariants_on_random_corpus():
    docs = _corpus(42, n_base=30)
    mh = MinHasher()
    sets = {doc_id: mh.shingle_hashes(text) for doc_id, text in docs}
    clusters = near_duplicate_clusters(docs)
    assert clusters, "corpus has planted near-duplicates"
    assert [c.members[0] for c in clusters] == sorted(c.members[0] for c in clusters)
    seen: set[str] = set()
    for c in clusters:
        assert len(c.members) >= 2 and list(c.members) == sorted(c.members)
        assert seen.isdisjoint(c.members)
        seen.update(c.members)
        assert c.pairs == sorted(c.pairs)
        for a, b, sim in c.pairs:
            assert a < b and {a, b} <= set(c.members)
            assert sim == pytest.approx(jaccard(sets[a], sets[b])) and sim >= 0.8
    # planted copies with few edits must be found
    for doc_id, _ in docs:
        if doc_id.startswith("copy"):
            base = doc_id.split("-")[0].replace("copy", "base")
            if jaccard(sets[doc_id], sets[base]) >= 0.9:
                assert any({doc_id, base} <= set(c.members) for c in clusters)
