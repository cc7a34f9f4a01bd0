"""Property tests: random, truncated and hostile pages never raise out of the per-page stage."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ingest.page.acquire import PageRef
from ingest.errors import QUARANTINE_REASONS
from ingest.extract.procedure import extract_procedure
from ingest.parse.html import parse_html
from ingest.parse.text import parse_text
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1))
def test_truncated_procedure_page_never_raises(tmp_path, cut):
    sample = sorted((Path(__file__).resolve().parents[1] / "raw").rglob("*.html"))
    data = sample[0].read_bytes() if sample else PROCEDURE.encode()
    _check(process_page(_page(tmp_path, data[: int(len(data) * cut)], "t.html"), BuildSettings(workers=0)))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_exports_never_raise(text):
    extract_procedure(parse_text(text))


@settings(max_examples=100, deadline=None)
@given(doc=html_documents())
def test_extractor_on_random_markup_never_raises(doc):
    try:
        page = parse_html(doc)
    except (ValueError, etree.ParserError):
        return  # no markup at all: the pipeline quarantines this as parse_error
    extract_procedure(page)


PROCEDURE = """<html><body><main><h1>Trigger finger release</h1><h2>Summary</h2><p>A tendon sheath is opened.</p>
<h2>Indications</h2><ul><li>Locking finger</li></ul><h2>Preparation</h2><ul><li>Stop blood thinners</li></ul>
<h2>Procedure Description</h2><ol><li>Numb the palm</li><li>Cut the pulley</li></ol><h2>Risks</h2><ul><li>Infection</li>
</ul><h2>Recovery</h2><ul><li>Move the finger</li></ul></main></body></html>"""
