"""quality.json and layout drift: coverage per page type and site; --strict refuses to publish on drift."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from ingest.page.acquire import discover_pages
from ingest.page.parallel import extract_pages
from ingest.release.layout import latest_release
from ingest.assembly.finalize import DriftError, finalize
from ingest.settings import BuildSettings
from tests.conftest import RAW_SAMPLE


def _build(raw, out, **kw):
    settings = BuildSettings(workers=0, **kw)
    return finalize(extract_pages(list(discover_pages(raw)), settings), out, settings)


def test_quality_report_of_the_seeds(seeds_dir, tmp_path):
    summary = _build(seeds_dir, tmp_path)
    quality = json.loads((tmp_path / "latest" / "quality.json").read_text())
    assert quality["page_types"]["procedure"]["records"] == 3
    assert quality["page_types"]["term"]["records"] == 1 and quality["page_types"]["billing"]["records"] == 1
    assert quality["page_types"]["procedure"]["field_coverage"]["procedure_steps"] == 1.0
    assert "ICD-10-CM G89.0: official_title_mismatch" in quality["codes"]["conflicts"]
    assert quality["codes"]["invalid"] == []
    assert any(label == "code index" for label, _ in summary.quality)


def test_layout_drift_is_flagged_and_strict_refuses_to_publish(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW_SAMPLE, raw)
    first = _build(raw, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "wide", symlinks=True)
    # the site changes its template: the Recovery heading disappears from every page (an unknown
    # heading would still be mapped by the content cues of its section, so the heading is dropped)
    for page in (raw / "sample" / "codes-example").glob("*.html"):
        html = page.read_bytes()
        page.write_bytes(re.sub(rb"<h2>Recovery</h2>", b"", html))
    with pytest.raises(DriftError, match="recovery"):
        _build(raw, tmp_path / "out", strict=True)
    assert latest_release(tmp_path / "out").name == first.release_id  # nothing published
    lenient = _build(raw, tmp_path / "out")
    drift = json.loads((latest_release(tmp_path / "out") / "manifest.json").read_text())["drift"]
    assert lenient.published and any(d["site"] == "codes.example" and d["field"] == "recovery" for d in drift)
    # the same change under a margin wider than the drop is no drift, even when strict
    wide = _build(raw, tmp_path / "wide", strict=True, drift_margin=1.0)
    assert wide.published and not json.loads((latest_release(tmp_path / "wide") / "manifest.json").read_text()).get("drift")
