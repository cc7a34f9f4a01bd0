"""Decoding: BOM, then declared charset, then detection; lies and junk handled."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.parse.decode import decode_page
from ingest.errors import PageError

# How decode_page says it chose the encoding (Decoded.source).
SOURCES = {"bom", "http_header", "declared", "utf8_valid", "detected", "utf8_with_cp1252_bytes"}
TEXT = "Café – “Aftercare” for the knee; naïve patients’ questions"


def html(charset: str, body: str) -> str:
    return f'<html><head><meta charset="{charset}"><title>t</title></head><body><p>{body}</p></body></html>'


def test_utf8_declared():
    d = decode_page(html("utf-8", TEXT).encode("utf-8"))
    assert TEXT in d.text and d.encoding == "utf-8" and d.source == "declared"


def test_bom_wins_over_declaration():
    d = decode_page(codecs.BOM_UTF8 + html("windows-1252", TEXT).encode("utf-8"))
    assert TEXT in d.text and (d.encoding, d.source) == ("utf-8", "bom")


def test_windows_1252_declared():
    d = decode_page(html("windows-1252", TEXT).encode("cp1252"))
    assert TEXT in d.text and d.encoding == "cp1252" and d.source == "declared"


def test_http_equiv_iso_8859_1_means_windows_1252():
    page = f'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>{TEXT}</p>'
    d = decode_page(page.encode("cp1252"))
    assert TEXT in d.text and (d.encoding, d.source) == ("cp1252", "declared")


def test_declaration_that_lies_still_decodes_sensibly():
    d = decode_page(html("utf-8", TEXT).encode("cp1252"))
    assert TEXT in d.text
    assert (d.encoding, d.source) == ("cp1252", "detected")  # no valid UTF-8 sequence at all: the whole page is cp1252


def test_mixed_utf8_and_cp1252_bytes():
    data = html("utf-8", "naïve patients").encode("utf-8") + "<p>“quoted”</p>".encode("cp1252")
    d = decode_page(data)
    assert "naïve patients" in d.text and "“quoted”" in d.text
    assert (d.encoding, d.source) == ("utf-8", "utf8_with_cp1252_bytes")  # UTF-8 kept, stray bytes read as cp1252


def test_http_header_charset_used_when_page_declares_nothing():
    data = f"<p>{TEXT}</p>".encode("cp1252")
    d = decode_page(data, http_charset="windows-1252")
    assert TEXT in d.text and (d.encoding, d.source) == ("cp1252", "http_header")


def test_unknown_declared_charset_falls_through():
    d = decode_page(html("x-foo", TEXT).encode("utf-8"))
    assert TEXT in d.text and (d.encoding, d.source) == ("utf-8", "utf8_valid")


def test_legacy_label_on_utf8_bytes_reads_utf8():
    d = decode_page(html("gb2312", "中文 text").encode("utf-8"))
    assert "中文 text" in d.text and (d.encoding, d.source) == ("utf-8", "utf8_valid")


@pytest.mark.parametrize("data,reason", [(b"", "empty"), (b"   \n\t ", "empty"),
                                         (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary"),
                                         (bytes(500), "binary")])
def test_bad_bytes_are_page_errors(data, reason):
    with pytest.raises(PageError) as info:
        decode_page(data)
    assert info.value.reason == reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_decode_or_raise_a_page_error(data):
    try:
        decoded = decode_page(data)
    except PageError as exc:
        assert exc.reason in ("empty", "binary", "undecodable")
    else:
        assert isinstance(decoded.text, str)
        assert decoded.source in SOURCES
        if decoded.source in ("utf8_valid", "utf8_with_cp1252_bytes"):
            assert decoded.encoding == "utf-8"
