"""Level 1 (exact) dedup: normalize_text / content_key / word tokens."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.dedup import content_key, normalize_text, word_bytes, words

# Text with the characters normalisation has to deal with mixed in.
_messy_chars = st.sampled_from(
    list("aAbB zZ09-_.,;:!?*#=~|/\\<>'\"\t\n")
    + list("\u2014\u2013\u2212\u2018\u2019\u201c\u201d\u00ad\u200b\ufeff\u00a0\u2022\u25a0\u2026")
    + list("\u00c9\u00e9\u00df\ufb01\uff21\u0915\u093f\u0301\u2500\u2192")
)
messy_text = st.one_of(st.text(), st.lists(_messy_chars, max_size=60).map("".join))


def test_whitespace_case_and_unicode_dashes_give_same_key():
    a = "Knee Arthroscopy \u2014 What to Expect\n\nThe surgeon makes two\u00a0small cuts."
    b = "knee   arthroscopy - what to expect the SURGEON makes two small cuts."
    expected = "knee arthroscopy - what to expect the surgeon makes two small cuts."
    assert normalize_text(a) == expected
    assert content_key(a) == content_key(b)


def test_quotes_zero_width_and_compatibility_forms_unify():
    assert normalize_text("\u201cDon\u2019t eat\u201d") == normalize_text('"DON\'T eat"')
    assert normalize_text("soft\u00adhyphen zero\u200bwidth \ufeffBOM") == (
        "softhyphen zerowidth bom"
    )
    assert normalize_text("\uff21\uff22\uff23 \ufb01le \u2460") == "abc file 1"
    assert normalize_text("Stra\u00dfe") == normalize_text("STRASSE")


def test_decoration_is_removed_but_meaningful_punctuation_kept():
    assert normalize_text("Title\n==========\nBody") == "title body"
    assert normalize_text("Part one\n* * *\nPart two") == "part one part two"
    assert normalize_text("\u2022 first\n\u2022 second \u25a0 third") == "first second third"
    assert normalize_text("wait...\u2026 next") == "wait next"
    assert normalize_text("\u2500\u2500\u2500\u2500 box \u2192\u2192\u2192") == "box"
    kept = "take 5 - 10 mg, if x <= 3 (not > 4); see a.b.c"
    assert normalize_text(kept) == kept
    assert content_key("5 - 10 mg") != content_key("5 + 10 mg")


def test_content_key_format_and_difference():
    key = content_key("Hello world")
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert key != content_key("Hello world!")
    assert content_key("") == content_key(" \n\t ")


def test_words_split_on_punctuation_and_keep_non_latin_words():
    assert words("Don\u2019t stop\u2014now: x-ray, CT_scan!") == [
        "don", "t", "stop", "now", "x", "ray", "ct", "scan"
    ]
    assert words("\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e") == [
        "\u0939\u093f\u0928\u094d\u0926\u0940",
        "\u092d\u093e\u0937\u093e",
    ]
    assert words("") == [] and words("!!! ---") == []


@settings(max_examples=200, deadline=None)
@given(messy_text)
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip() and "  " not in once


@settings(max_examples=200, deadline=None)
@given(messy_text)
def test_words_of_text_equal_words_of_its_normal_form(text):
    assert word_bytes(text) == word_bytes(normalize_text(text))
    content_key(text)  # never raises
