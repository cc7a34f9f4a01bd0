"""Heading vocabulary: at least four wordings per section map to it; chrome and strangers do not."""

from __future__ import annotations

import pytest

from ingest.extract.vocabulary import vocabulary
from ingest.extract.wording import normalize_heading

WORDINGS = {
    "summary": ["Summary", "Overview:", "What is it?", "ABOUT THE PROCEDURE", "📋 Procedure overview"],
    "purpose": ["Purpose", "Why is it done?", "Why it's done", "Why is this procedure performed", "Goals of the procedure"],
    "indications": ["Indications", "Who needs it?", "Reasons for the procedure", "Who is a good candidate?", "When is it recommended"],
    "preparation": ["Preparation", "Before your procedure", "How to prepare", "Preparing for your procedure:", "Getting ready"],
    "procedure_steps": ["Procedure Description", "What happens during the procedure", "How it's done", "Step by step", "During your procedure"],
    "duration": ["Duration", "How long does it take?", "How long does the procedure take", "Length of procedure", "Time required"],
    "setting": ["Setting", "Where is it done?", "Where is it performed", "Location", "Place of service"],
    "personnel": ["Personnel", "Who performs it?", "Your care team", "Who does the procedure", "Medical team"],
    "risks": ["Risks and Complications", "Possible complications", "Risks & side effects", "What are the risks?", "Potential risks:"],
    "benefits": ["Benefits", "What are the benefits?", "Advantages", "Expected benefits", "Benefits of the procedure"],
    "recovery": ["Recovery", "Aftercare", "After the procedure", "Recovery & aftercare", "Post-procedure care"],
    "alternatives": ["Alternatives", "Other options", "Alternatives to surgery", "Other treatment options", "Treatment Options:"],
    "patient_experience": ["Patient Experience", "What to expect", "What it feels like", "How will I feel?", "What does it feel like"],
}


@pytest.mark.parametrize("section,heading", [(s, h) for s, hs in WORDINGS.items() for h in hs])
def test_wording_maps_to_section(section, heading):
    assert vocabulary().match(heading) == section


@pytest.mark.parametrize("heading", ["Similar Codes", "Contact us to learn more", "Medical Policies and Guidelines",
                                     "Share this page", "Newsletter", "Latest news from our region", "Comments (12)"])
def test_non_sections_do_not_map(heading):
    assert vocabulary().match(heading) is None


def test_every_section_has_four_wordings_tested():
    assert set(WORDINGS) == {s.name for s in vocabulary().sections}
    assert all(len(v) >= 4 for v in WORDINGS.values())


@pytest.mark.parametrize("raw,norm", [("Risks & Complications:", "risks and complications"),
                                      ("🔀 ALIASES / ALTERNATE TERMS", "aliases alternate terms"),
                                      ("2. Before your procedure", "before your procedure"),
                                      ("What’s it for?", "what is it for")])
def test_normalize_heading(raw, norm):
    assert normalize_heading(raw) == norm


def test_group_labels_are_not_sections_inside_risks():
    vocab = vocabulary()
    assert vocab.is_group_label("risks", "Common risks:")
    assert vocab.is_group_label("risks", "Rare complications:")
    assert not vocab.is_group_label("benefits", "Common risks:")


# --- the matcher's shortcuts give what difflib and a full scan of the vocabulary give ---------------

from collections import Counter  # noqa: E402
from difflib import SequenceMatcher  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from ingest.extract.vocabulary import _FUZZY_CUTOFF, _quick_ratio  # noqa: E402

_HEADINGS = st.text(alphabet="aeiourstlnp '-", min_size=0, max_size=40)


@given(_HEADINGS, _HEADINGS)
def test_quick_ratio_is_difflibs(a, b):
    assert _quick_ratio(Counter(a).items(), Counter(b), len(a) + len(b)) == SequenceMatcher(None, a, b).quick_ratio()


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted({v for v, _, _ in vocabulary()._variants})), st.integers(0, 40), st.sampled_from("aeirstx"))
def test_typo_of_a_wording_finds_the_best_variant_of_a_full_scan(variant, at, letter):
    """A wording with one letter changed: the matcher (which only visits the variants that can score)
    names the section of the first best-scoring variant of a scan over all of them."""
    vocab = vocabulary()
    at = at % (len(variant) + 1)
    heading = variant[:at] + letter + variant[at + 1:]
    norm = normalize_heading(heading)
    if not norm or norm in vocab._exact or any(f" {p} " in f" {norm} " for p in vocab.not_fields):
        return
    best = None
    from ingest.extract.wording import content_tokens
    tokens = content_tokens(norm) - vocab.stop
    for v, vtokens, section in vocab._variants:
        score = 0.0
        if vtokens and vtokens <= tokens and len(tokens) - len(vtokens) <= 3:
            score = 50 + 10 * len(vtokens) - (len(tokens) - len(vtokens)) + (5 if f" {v} " in f" {norm} " else 0)
        else:
            ratio = SequenceMatcher(None, norm, v).ratio()
            score = 40 * ratio if ratio >= _FUZZY_CUTOFF else 0.0
        if score and (best is None or score > best[0]):
            best = (score, section)
    assert vocab.match(heading) == (best[1] if best else None)
