"""Property tests: random, truncated and hostile pages never raise out of the per-page stage, are always
accounted for (a record or a quarantine reason), and give blocks and fields only from visible text."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from ingest.page.acquire import PageRef
from ingest.parse.decode import decode_page, strip_xml_declaration
from ingest.errors import QUARANTINE_REASONS, PageError
from ingest.extract.procedure import extract_procedure
from ingest.parse.blocks import clean_text
from ingest.parse.html import parse_html
from ingest.parse.text import parse_text
from ingest.parse.tree import parse_document
from ingest.page.process import process_page
from ingest.settings import BuildSettings

TAGS = ["div", "p", "ul", "ol", "li", "h1", "h2", "h3", "strong", "b", "table", "tr", "td", "th", "dl", "dt",
        "dd", "details", "summary", "main", "nav", "aside", "script", "style", "span", "a", "br", "section"]
WORDS = ["Summary", "Risks", "Aftercare", "Why is it done?", "Common risks:", "CPT 64721", "&amp;", "&#x1F600;",
         "<!--", "-->", "<![CDATA[", "]]>", "\x00", "é", "“", "Procedure Description", "1.", "•", "|"]


@st.composite
def html_documents(draw):
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{draw(st.sampled_from(TAGS))}>")
        elif kind == 1:
            parts.append(f"</{draw(st.sampled_from(TAGS))}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(WORDS)))
        else:
            parts.append(draw(st.text(max_size=40)))
    return "".join(parts)


def _page(tmp_path: Path, data: bytes, name: str) -> PageRef:
    path = tmp_path / name
    path.write_bytes(data)
    return PageRef(str(path), name, len(data))


def _check(result) -> None:
    assert (result.record is None) != (result.quarantine is None)
    if result.quarantine:
        assert result.quarantine["reason"] in QUARANTINE_REASONS
        assert result.quarantine["reason"] != "internal_error", result.quarantine["detail"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=html_documents())
def test_random_html_never_raises(tmp_path, doc):
    _check(process_page(_page(tmp_path, doc.encode("utf-8", "surrogatepass"), "p.html"), BuildSettings(workers=0)))


PROCEDURE_PAGE = Path(__file__).resolve().parents[1] / "raw" / "sample" / "codes-example" / "knee-arthroscopy.html"
# What a procedure page cut anywhere may become: still a procedure record, or rejected for what is left of it.
TRUNCATED_OUTCOMES = {"procedures", "unsupported_page_type", "empty", "parse_error"}


def test_the_page_truncated_below_is_a_procedure_page(tmp_path):
    data = PROCEDURE_PAGE.read_bytes()
    assert process_page(_page(tmp_path, data, "full.html"), BuildSettings(workers=0)).dataset == "procedures"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1))
def test_truncated_procedure_page_never_raises(tmp_path, cut):
    data = PROCEDURE_PAGE.read_bytes()[: int(PROCEDURE_PAGE.stat().st_size * cut)]
    result = process_page(_page(tmp_path, data, "t.html"), BuildSettings(workers=0))
    _check(result)
    assert (result.dataset or result.quarantine["reason"]) in TRUNCATED_OUTCOMES, result.quarantine
    if result.record:
        assert result.record["sources"][0]["size"] == len(data)


# Content a browser does not show, put before the random markup (which cannot change how it parses):
# none of these words may reach a block or an extracted field.
INVISIBLE = ('<script>zqxscript</script><style>.zqxstyle{}</style><!-- zqxcomment --><template><p>zqxtemplate</p>'
             '</template><div hidden>zqxhidden</div><p aria-hidden="true">zqxaria</p><p style="display:none">zqxnone</p>')
_WS = re.compile(r"\s+")


def _strings(value):
    """Every string inside an extracted field value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


_CELL_SEPARATOR = re.compile(r"\s*\|\s*")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000) | html_documents())
@example("DONE\x1e0|0|")  # a table row under a heading: its cells come back joined as "0 | 0"
def test_random_text_exports_give_blocks_and_fields_only_from_their_lines(text):
    page = parse_text(text)
    flat = clean_text(text.replace("\x00", ""))
    for block in page.blocks:
        assert block.text and block.text in flat, block
    draft = extract_procedure(page)
    cells = _CELL_SEPARATOR.sub("|", flat)  # a table row's cells are joined as "a | b" in a field
    for name, value in draft.fields.items():
        if name in ("language", "code_source", "code_system", "section_sources", "url"):
            continue  # values the extractor names, not text it takes from the page
        for s in _strings(value):
            assert not s or _CELL_SEPARATOR.sub("|", clean_text(s)) in cells, (name, s)


@settings(max_examples=100, deadline=None)
@given(doc=html_documents())
def test_random_markup_gives_blocks_only_from_visible_text(doc):
    try:
        decoded = decode_page((INVISIBLE + doc).encode("utf-8", "surrogatepass"))
    except PageError as exc:
        raise AssertionError(f"the invisible prefix alone is markup, not {exc.reason}") from exc
    page = parse_html(decoded.text)  # the prefix guarantees an element: parsing never fails here
    root = parse_document(strip_xml_declaration(decoded.text.replace("\x00", "")))
    visible = set(_WS.sub("", "".join(root.itertext())))
    for block in page.blocks:
        assert "zqx" not in block.text, block
        assert set(_WS.sub("", block.text)) <= visible | {"|"}, block  # no character the page does not hold
    for name, value in extract_procedure(page).fields.items():
        assert not any("zqx" in s for s in _strings(value)), name


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=html_documents())
def test_markup_without_an_element_is_a_parse_error_not_a_crash(tmp_path, doc):
    """parse_html refuses only a document with no element at all (lxml: 'Document is empty'), and the
    per-page stage turns exactly that into the quarantine reason parse_error: the page is accounted for."""
    data = doc.encode("utf-8", "surrogatepass")
    try:
        decoded = decode_page(data)
    except PageError:
        return  # empty or binary bytes: decoding's own reasons (test_decode.py)
    try:
        page = parse_html(decoded.text)
    except etree.ParserError as exc:
        assert str(exc) == "Document is empty"
        result = process_page(_page(tmp_path, data, "p.html"), BuildSettings(workers=0))
        assert result.quarantine and result.quarantine["reason"] == "parse_error", result.quarantine
        return
    assert all(block.text for block in page.blocks)
    extract_procedure(page)


# A small procedure page (also used by tests/test_pipeline.py).
PROCEDURE = """<html><body><main><h1>Trigger finger release</h1><h2>Summary</h2><p>A tendon sheath is opened.</p>
<h2>Indications</h2><ul><li>Locking finger</li></ul><h2>Preparation</h2><ul><li>Stop blood thinners</li></ul>
<h2>Procedure Description</h2><ol><li>Numb the palm</li><li>Cut the pulley</li></ol><h2>Risks</h2><ul><li>Infection</li>
</ul><h2>Recovery</h2><ul><li>Move the finger</li></ul></main></body></html>"""
