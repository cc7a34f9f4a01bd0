"""Property tests: the recognisers never raise and only return well-formed codes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.codes import find_codes, normalise_code, split_code_cell
from ingest.codes.patterns import CATEGORY_FORMAT, CODE_FORMAT, RANGE_FORMAT

FRAGMENTS = [
    "CPT", "CPT®", "code", "codes", "ICD-10-CM", "HCPCS", "Modifier", "modifier -", "zip code", "$", "%", " mg",
    "64640", "64620-64624", "50", "LT", "RT", "59", "G89.0", "G89.x", "G56.4-", "G56.41–G56.43", "S72.001A",
    "0213T", "3008F", "J1100", "G0283", "2019", "555-123-4567", "TN 37203", "CodeDescription", "|", "\t", "  ",
    "\n", ", ", " and ", "(", ")", ".", "‑", "—", "Chronic pain", "G89.21Chronic", "64640Destruction", "V12.3",
    "12345", "99999-10000", "through", "x", "-", "0000T-9999T",
]
codeish = st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(" ".join) | st.lists(
    st.sampled_from(FRAGMENTS), max_size=30).map("".join)


def _well_formed(m) -> bool:
    if m.kind == "range":
        return bool(RANGE_FORMAT.fullmatch(m.code))
    if m.kind == "category":
        return m.system == "ICD-10-CM" and bool(CATEGORY_FORMAT.fullmatch(m.code))
    return bool(CODE_FORMAT[m.system].fullmatch(m.code))


def _check(text: str, context: str) -> None:
    found = find_codes(text, context)
    assert len({(m.system, m.code) for m in found}) == len(found)
    starts = [m.start for m in found]
    assert starts == sorted(starts)
    for m in found:
        assert _well_formed(m), m
        assert 0 <= m.start <= m.end <= len(text)
        if m.kind == "code" and m.range_of is None:
            assert normalise_code(m.system, text[m.start : m.end]) == m.code


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["prose", "table", "title", "url"]))
def test_find_codes_never_raises_on_arbitrary_text(text, context):
    _check(text, context)


@settings(max_examples=200, deadline=None)
@given(codeish, st.sampled_from(["prose", "table", "title", "url"]))
def test_find_codes_on_code_like_text(text, context):
    _check(text, context)


PLANTED = [("CPT", "64721", "CPT 64721"), ("CPT", "0213T", "CPT® code 0213T"), ("HCPCS", "J1100", "HCPCS code J1100"),
           ("ICD-10-CM", "G89.29", "ICD-10-CM G89.29")]


@settings(max_examples=200, deadline=None)
@given(codeish | st.text(max_size=200), codeish | st.text(max_size=200), st.sampled_from(["prose", "table", "title"]),
       st.sampled_from(PLANTED))
def test_a_code_stated_on_its_own_line_is_found_whatever_surrounds_it(before, after, context, planted):
    """Code-like noise on the lines around a plainly stated code never hides it (and the output stays well formed)."""
    system, code, line = planted
    text = f"{before}\n{line}\n{after}"
    _check(text, context)
    assert (system, code) in {(m.system, m.code) for m in find_codes(text, context) if m.kind == "code"}


@settings(max_examples=150, deadline=None)
@given(codeish | st.text(max_size=80), st.sampled_from([None, "", "CPT", "HCPCS", "ICD-10-CM", "MODIFIER"]))
def test_split_code_cell_is_total(cell, system):
    got = split_code_cell(cell, system)
    if got is not None:
        assert CODE_FORMAT[got.system].fullmatch(got.code)
        assert got.description is None or got.description == got.description.strip()
