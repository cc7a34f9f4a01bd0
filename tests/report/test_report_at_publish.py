"""The report a build publishes (changes.jsonl streamed to disk, titles looked up only for the records it names)
is the report rendered afterwards from the published release's files, for a first release and for a refresh."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ingest.assembly.run import run_build
from ingest.release.layout import CHANGES, REPORT
from ingest.release.report import render_report
from ingest.settings import BuildSettings

SAMPLE = Path(__file__).resolve().parents[2] / "raw" / "sample"


def _published_report_matches(release: Path) -> str:
    html = (release / REPORT).read_text("utf-8")
    assert html == render_report(release)
    return html


def test_published_report_equals_the_report_from_the_release_files(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(SAMPLE, raw)
    settings = BuildSettings(workers=0)
    first = Path(run_build(raw, out, settings).release_path)
    assert "First release" in _published_report_matches(first)

    changed, gone = raw / "health-example" / "cataract-surgery.html", raw / "codes-example" / "trigger-finger-release.html"
    changed.write_text(changed.read_text("utf-8").replace("<li>", "<li>Glare from lights may last a few weeks.</li><li>", 1),
                       "utf-8")
    gone.unlink()
    second = Path(run_build(raw, out, settings).release_path)
    assert second != first
    html = _published_report_matches(second)
    assert "Against release" in html
    lines = [json.loads(line) for line in (second / CHANGES).read_text("utf-8").splitlines()]
    ids = {line["id"] for line in lines if line["dataset"] == "procedures" and line["change"] == "changed"}
    titles = [r["title"] for r in map(json.loads, (second / "procedures.jsonl").read_text("utf-8").splitlines())
              if r["id"] in ids]
    assert titles and all(title in html.split("Biggest changes", 1)[1] for title in titles)  # named by their titles
    assert any(line["change"] == "removed" for line in lines)
