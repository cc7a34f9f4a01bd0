"""CPT checks: format/category, add-on wording, cross-source descriptor consistency."""

from __future__ import annotations

import random

import pytest

from ingest.codes import (
    compare_descriptors,
    cpt_category,
    cpt_conflicts,
    find_codes,
    is_add_on,
    is_cpt,
    system_of,
)

from .seed_pages import GLOSSARY, PROCEDURES


@pytest.mark.parametrize(
    "code, category", [("64640", "I"), ("3008F", "II"), ("0213T", "III"), ("0214T", "III"), ("0001U", "PLA"),
                       ("6464", None), ("J1100", None), ("646400", None)],
)
def test_cpt_format_and_category(code, category):
    assert cpt_category(code) == category
    assert is_cpt(code) == (category is not None)


def test_add_on_from_seed_descriptors(seed):
    rows = {m.code: m.description for m in find_codes(seed(GLOSSARY), dedupe=False)
            if m.context == "table" and m.system == "CPT"}
    assert {c for c, d in rows.items() if is_add_on(d)} == {"64624", "64633", "64636"}
    title_003 = seed(PROCEDURES[2]).splitlines()[1]  # "... each additional facet joint (List separately ...)"
    assert is_add_on(title_003)
    assert not is_add_on(seed(PROCEDURES[0]).splitlines()[2])


@pytest.mark.parametrize("text", ["X, each additional level", "X (add‑on)", "X add-on code", "X (add on)",
                                  "X addon code", "X (List separately in addition to code for primary procedure)"])
def test_add_on_markers(text):
    assert is_add_on(text)


@pytest.mark.parametrize("text", ["Knee arthroscopy", "Reach additional goals", "Address only", "", None])
def test_not_add_on(text):
    assert not is_add_on(text)


@pytest.mark.parametrize("code,system", [("64721", "CPT"), ("0213T", "CPT"), ("3008F", "CPT"), ("J1100", "HCPCS"),
                                         ("G0283", "HCPCS")])
def test_system_of(code, system):
    assert system_of(code) == system


DESC = "Destruction by neurolytic agent; other peripheral nerve or branch"


def test_different_descriptors_conflict_with_both_sources():
    other = "Destruction by neurolytic agent; intercostal nerve"
    conflicts = cpt_conflicts([(DESC, "page-a"), (other, "page-b")], code="64640")
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.kind == "cross_source_descriptor" and c.code == "64640"
    assert {d.text for d in c.descriptors} == {DESC, other}
    assert c.sources == ["page-a", "page-b"]


@pytest.mark.parametrize(
    "variant",
    [
        DESC.upper(),
        DESC.replace(";", ",") + ".",
        DESC.replace(" ", "  "),
        DESC.replace(" ", "\u00a0") + " ",
    ],
)
def test_normalised_equal_descriptors_agree(variant):
    conflicts, variants = compare_descriptors([(DESC, "a"), (variant, "b")], "64640")
    assert conflicts == [] and variants == []


def test_eg_spelling_and_unicode_hyphens_agree():
    a = "Injection of neurolytic substance (eg, alcohol, phenol); epidural, lumbar‑sacral"
    b = "Injection of neurolytic substance (e.g., alcohol, phenol); epidural, lumbar-sacral"
    assert compare_descriptors([(a, "x"), (b, "y")]) == ([], [])


@pytest.mark.parametrize("suffix", [" (add-on)", " (add‑on)", " (primary)",
                                    " (List separately in addition to code for primary procedure)"])
def test_appended_qualifier_is_a_variant_not_a_conflict(suffix):
    conflicts, variants = compare_descriptors([(DESC, "a"), (DESC + suffix, "b")], "64640")
    assert conflicts == []
    assert len(variants) == 1 and variants[0].kind == "descriptor_variant"
    assert variants[0].sources == ["a", "b"]


def test_comparison_is_order_independent():
    pairs = [(DESC, "a"), (DESC + " (add-on)", "b"), ("Something else", "c"), ("Third thing", "d"), (DESC, "e")]
    reference = compare_descriptors(pairs, "64640")
    assert len(reference[0]) == 3  # three distinct descriptors -> three pairs
    rng = random.Random(7)
    for _ in range(10):
        rng.shuffle(pairs)
        assert compare_descriptors(pairs, "64640") == reference
