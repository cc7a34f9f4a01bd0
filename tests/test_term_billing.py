"""Term and billing extraction details the goldens do not grade: etymology, explanations, notes, truncation."""

from __future__ import annotations

from pathlib import Path

from ingest.parse.decode import decode_page
from ingest.extract.billing import extract_billing, is_billing_page
from ingest.extract.classify import classify_and_extract
from ingest.extract.term import extract_term, is_term_page
from ingest.parse.html import parse_html
from ingest.parse.text import parse_text
from tests.conftest import RAW_SAMPLE


def _html(rel: str):
    return parse_html(decode_page((RAW_SAMPLE / rel).read_bytes()).text)


def test_seed_glossary_etymology_and_related_terms(seeds_dir):
    term = extract_term(parse_text((seeds_dir / "001_aed3dfa302fd1202.txt").read_text("utf-8")))
    assert term["etymology"]["language"] == "greek"
    assert [c["part"] for c in term["etymology"]["components"]] == ["o / neur-", "-lysis"]
    assert term["etymology"]["components"][1]["origin"].startswith("Greek λύσις")
    assert term["etymology"]["components"][1]["meaning"].startswith("“loosening")
    glued = term["related_terms"][-1]
    assert glued["term"] == "Nerve entrapment syndrome" and glued["explanation"].startswith("compression neuropathy")
    assert term["coding_notes"] and term["coding_notes"][0].startswith("CPT codes for neurolysis")
    prose = {(c["system"], c["code"]) for c in term["codes"] if c["context"] == "prose"}
    assert {("ICD-10-CM", "G56.41"), ("ICD-10-CM", "G56.42"), ("ICD-10-CM", "G56.43"), ("MODIFIER", "50")} <= prose
    assert ("ICD-10-CM", "G89.3") not in prose


def test_seed_billing_placeholder_and_truncation(seeds_dir):
    page = parse_text((seeds_dir / "004_b4e80ab22b164bc6.txt").read_text("utf-8"))
    assert is_billing_page(page) and not is_term_page(page)
    billing = extract_billing(page)
    assert billing["truncated"] is True
    assert "Data not available" not in str(billing)
    assert billing["modifiers"][0]["when_to_use"].startswith("Use when billing only")
    assert billing["clinical_context"].startswith("A 52-year-old patient")


def test_complete_billing_page_is_not_truncated():
    billing = extract_billing(_html("sample/billing-example/cpt-29881.html"))
    assert billing["truncated"] is False and len(billing["modifiers"]) == 5


def test_glossary_page_in_second_style_is_a_term_page():
    verdict = classify_and_extract(_html("sample/glossary-example/arthrocentesis.html"))
    assert verdict.page_type == "term"
    assert verdict.fields["related_terms"][0] == {"term": "Arthroscopy", "explanation": verdict.fields["related_terms"][0]["explanation"]}
    assert verdict.fields["related_terms"][0]["explanation"].startswith("visual examination")
    assert "20610" in verdict.fields["cpt_codes"]


def test_procedure_pages_are_not_terms_or_billing():
    for page in sorted((RAW_SAMPLE / "sample" / "codes-example").glob("*.html")):
        assert classify_and_extract(_html(page.relative_to(RAW_SAMPLE).as_posix())).page_type == "procedure", page
