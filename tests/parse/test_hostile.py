"""Every hostile fixture (tests/fixtures/hostile) through the build's per-page stage: the outcome
is one that expected.json accepts, and pages that must come through keep their text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingest.page.acquire import discover_pages
from ingest.parse.decode import decode_page, xml_safe
from ingest.parse.html import parse_html
from ingest.page.process import process_page
from ingest.settings import BuildSettings

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"
EXPECTED = {k: v for k, v in json.loads((HOSTILE / "expected.json").read_text("utf-8")).items() if not k.startswith("_")}
SAMPLE = Path(__file__).resolve().parents[2] / "raw" / "sample" / "codes-example" / "knee-arthroscopy.html"
# Quarantine reasons that mean the page was lost before extraction could look at it.
LOST = {"binary", "empty", "undecodable", "parse_error", "internal_error", "timeout"}


def _run(path: Path):
    ref = next(r for r in discover_pages(path.parent) if r.rel_path == path.name)
    return process_page(ref, BuildSettings(workers=0))


def test_every_hostile_fixture_has_an_expected_outcome():
    pages = {p.name for p in HOSTILE.iterdir() if p.name not in ("README.md", "expected.json")}
    assert len(pages) >= 8 and pages == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_page_outcome_is_acceptable(name, tmp_path):
    spec = EXPECTED[name]
    shutil.copy(HOSTILE / name, tmp_path / name)
    result = _run(tmp_path / name)
    reason = result.quarantine["reason"] if result.quarantine else "record"
    if "decoded" in spec["acceptable"]:
        assert reason not in LOST - set(spec["acceptable"]), result.quarantine
        decoded = decode_page((HOSTILE / name).read_bytes())
        page = parse_html(decoded.text)
        text = " ".join([page.head_title or "", *(b.text for b in page.blocks)])  # what the page shows
        assert "\x00" not in text
        for expected in spec.get("expected_text_contains", []):
            assert expected in text, (expected, text)
    else:
        assert reason in spec["acceptable"], result.quarantine


@pytest.mark.parametrize("char", ["\x1a", "\x1b", "\x1e", "\x0b", "\x1a\x1a\x08"])
def test_a_stray_control_character_gives_the_same_record(char, tmp_path):
    clean = SAMPLE.read_bytes()
    marker = b"minimally invasive"
    assert marker in clean
    (tmp_path / "clean.html").write_bytes(clean)
    (tmp_path / "dirty.html").write_bytes(clean.replace(marker, b"minimally" + char.encode() + b" invasive", 1))
    records = []
    for name in ("clean.html", "dirty.html"):
        result = _run(tmp_path / name)
        assert result.record_json is not None, result.quarantine
        record = result.record
        record.pop("sources")
        records.append(record)
    assert records[0] == records[1]


@pytest.mark.parametrize("head", ['<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="utf-8"',
                                  '<?xml version="1.0" encoding="utf-8">', '\ufeff  <?XML version="1.0" encoding=\'latin-1\'?>',
                                  '<?xml encoding="utf-8" version="1.0"?>\n<?xml-stylesheet href="a.css"?>'])
def test_xml_declarations_are_stripped_tolerantly(head):
    page = head + '<!DOCTYPE html><html><body><main><h1>Myringotomy</h1><p>Fluid is drained.</p></main></body></html>'
    assert [b.text for b in parse_html(page).blocks] == ["Myringotomy", "Fluid is drained."]


def test_xml_safe_leaves_clean_text_alone():
    text = "<html><body>\tline\r\nnext — café</body></html>"
    assert xml_safe(text) is text
