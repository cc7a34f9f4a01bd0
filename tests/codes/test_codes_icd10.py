"""ICD-10-CM checks against the official code set: validity, billability, title conflicts."""

from __future__ import annotations

import pytest

from ingest.codes import (
    describe_conflict,
    expand_icd_range,
    find_codes,
    lookup,
    normalise_icd,
)

from .seed_pages import GLOSSARY


@pytest.mark.parametrize(
    "code, valid, billable",
    [
        ("G89", True, False),  # category: valid, not billable
        ("G89.2", True, False),  # subcategory
        ("G89.0", True, True),
        ("G89.29", True, True),
        ("g8929", True, True),  # any spelling is normalised
        ("S72.001", True, False),  # needs a 7th character
        ("S72.001A", True, True),
        ("G99.99X", False, False),  # right format, not in the code set
        ("64640", False, False),  # not an ICD format at all
    ],
)
def test_lookup(code, valid, billable):
    info = lookup(code)
    assert (info.valid, info.billable) == (valid, billable)
    assert (info.title is not None) == valid


def test_lookup_titles_and_normalisation():
    assert lookup("G89.0").title == "Central pain syndrome"
    assert lookup("G89.3").title == "Neoplasm related pain (acute) (chronic)"
    assert normalise_icd(" g89.29 ") == "G89.29" and normalise_icd("S72001A") == "S72.001A"
    assert lookup("g89.0") is lookup("G89.0")  # cached on the normalised code


def test_seed_glossary_exactly_g89_0_conflicts(seed):
    rows = [m for m in find_codes(seed(GLOSSARY), dedupe=False) if m.context == "table" and m.system == "ICD-10-CM"]
    assert len(rows) == 11
    conflicts = {m.code: describe_conflict(m.code, m.description, ["001"]) for m in rows}
    flagged = {code: c for code, c in conflicts.items() if c is not None}
    assert list(flagged) == ["G89.0"]
    c = flagged["G89.0"]
    assert c.kind == "official_title_mismatch" and c.official_title == "Central pain syndrome"
    assert c.suggested_code == "G89.3" and c.suggested_title == "Neoplasm related pain (acute) (chronic)"
    assert "cancer" in c.unmatched_terms and c.sources == ["001"]
    assert c.descriptors[0].text == "Central pain syndrome (cancer-related chronic pain)"  # NFKC + U+2011


@pytest.mark.parametrize(
    "code, text",
    [
        ("G57.30", "Lesion of lateral popliteal nerve (common peroneal), unspecified lower limb"),
        ("G57.30", "Lesion of lateral popliteal nerve (peroneal nerve palsy), unspecified lower limb"),
        ("M79.2", "Neuralgia and neuritis, unspecified"),
        ("M79.2", "neuralgia, unspecified"),
        ("G89.29", "Other chronic pain"),
        ("G89.4", "Chronic pain syndrome (CPS)"),  # initialism
        ("G89.0", "Central pain syndrome (thalamic pain syndrome)"),  # inclusion term
        ("G89.0", "CENTRAL  PAIN   SYNDROME"),
        ("G56.01", "Carpal tunnel syndrome, rt. upper limbs"),
        ("G50.0", "Trigeminal neuralgia (tic douloureux)"),
        ("G89.0", None),
        ("G99.99X", "Anything at all"),  # invalid codes are reported through validity instead
    ],
)
def test_consistent_descriptions_do_not_conflict(code, text):
    assert describe_conflict(code, text) is None


@pytest.mark.parametrize(
    "code, text, suggested",
    [
        ("G89.0", "Central pain syndrome (cancer‑related chronic pain)", "G89.3"),
        ("G89.0", "cancer-related chronic pain", "G89.3"),
        ("G56.01", "Carpal tunnel syndrome, left upper limb", "G56.02"),
        ("G89.0", "Migraine", None),
        ("E08.311", ("Diabetes mellitus due to underlying condition with unspecified diabetic retinopathy "
                     "without macular edema"), "E08.319"),  # "with"/"without" are content words
        ("Z3A.26", "22 weeks gestation of pregnancy", "Z3A.22"),
    ],
)
def test_contradicting_descriptions_conflict(code, text, suggested):
    c = describe_conflict(code, text)
    assert c is not None and c.suggested_code == suggested


def test_expand_icd_range():
    assert expand_icd_range("G56.41", "G56.43") == ["G56.41", "G56.42", "G56.43"]
    assert expand_icd_range("G56.00", "G56.03") == ["G56.00", "G56.01", "G56.02", "G56.03"]
    assert expand_icd_range("S72.001A", "S72.009A") == ["S72.001A", "S72.002A", "S72.009A"]  # code-set members
    assert expand_icd_range("G89", "G99") is None  # blocks are not expanded
    assert expand_icd_range("G56.43", "G56.41") is None
