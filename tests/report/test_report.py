"""report.html without a browser: escaping, optional inputs, determinism, no external resources, the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ingest.release.layout import REPORT
from ingest.release.report import render_report, render_report_from, write_report
from ingest.cli.report import register

from .pagecheck import Page, resource_problems

HOSTILE = "<script>alert('x')</script>"
HOSTILE_IMG = '"><img src=x onerror="alert(1)">'


def hostile_data() -> dict:
    """In-memory release data with markup in every place page content can reach the report."""
    title = f"Knee {HOSTILE} arthroscopy"
    procedure = {"id": "procedure:cpt:29881", "page_type": "procedure", "title": title, "code": "29881",
                 "sources": [{"path": f"a/{HOSTILE_IMG}.html", "sha256": "ab" * 32}]}
    code = {"system": "CPT", "code": "29881", "official_title": None,
            "descriptors": [{"text": title, "record_id": procedure["id"], "field": "code"}],
            "conflicts": [{"kind": "cross_source_descriptor", "system": "CPT", "code": "29881",
                           "descriptors": [{"text": title, "sources": [procedure["id"]]},
                                           {"text": f"Knee {HOSTILE_IMG}", "sources": ["billing:cpt:29881"]}],
                           "detail": f"differ: {HOSTILE}", "suggested_code": "<b>29880</b>",
                           "suggested_title": HOSTILE}]}
    quarantine = [{"path": f"bad/{HOSTILE}.html", "reason": "empty", "detail": HOSTILE_IMG, "size": 0,
                   "page_type": None, "uri": f"https://evil.example/{HOSTILE_IMG}"}]
    quality = {"page_types": {"procedure": {"pages": 1, "records": 1,
                                            "field_coverage": {"title": 1.0, f"x{HOSTILE}": 0.25}}}}
    manifest = {"release_id": f"r1{HOSTILE}", "created_at": "2026-01-02T03:04:05Z", "previous_release": "r0",
                "inputs": {"pages": 2}, "counts": {"procedures": 1, "codes": 1, "quarantine": 1},
                "stage_seconds": {"extract": 1.5, f"s{HOSTILE}": 0.5},
                "drift": [{"site": HOSTILE, "page_type": "procedure", "field": HOSTILE_IMG, "previous": 0.9,
                           "current": 0.1, "drop": 0.8}]}
    duplicates = [{"cluster_id": f"c{HOSTILE}", "level": "near_duplicate", "dataset": "procedures",
                   "record_id": procedure["id"], "reason": HOSTILE,
                   "members": [{"path": f"p/{HOSTILE_IMG}", "sha256": "cd" * 32, "similarity": 0.9, "role": HOSTILE}]}]
    changes = [{"dataset": "procedures", "id": procedure["id"], "change": "changed",
                "fields": {"title": {"old": HOSTILE, "new": title}, "risks": {"old": [], "new": [HOSTILE_IMG]}}},
               {"dataset": "procedures", "id": f"procedure:{HOSTILE}", "change": "added"}]
    return {"datasets": {"procedures": [procedure], "codes": [code]}, "quarantine": quarantine, "quality": quality,
            "manifest": manifest, "duplicates": duplicates, "changes": changes}


def test_hostile_content_renders_as_text():
    html = render_report_from(**hostile_data())
    assert resource_problems(html) == []
    page = Page(html)
    assert "script" not in page.tag_names() and "img" not in page.tag_names()
    text = page.all_text
    assert f"Knee {HOSTILE} arthroscopy" in text  # the title, shown as the characters it has
    assert HOSTILE_IMG in text and "<b>29880</b>" in text
    assert "&lt;script&gt;" in html and "<script>" not in html and "<img" not in html


def test_sections_render_what_is_there():
    text = Page(render_report_from(**hostile_data())).all_text
    for expected in ("Field coverage", "25%", "Quarantine", "Duplicates", "near_duplicate", "similarity 0.90",
                     "Code conflicts", "cross_source_descriptor", "Suggested code", "Changes", "Biggest changes",
                     "Layout drift", "80%", "Timings", "1.5 s", "2026-01-02T03:04:05Z"):
        assert expected in text, expected


def test_missing_duplicates_and_changes_are_noted():
    data = {**hostile_data(), "duplicates": None, "changes": None}
    data["manifest"] = {k: v for k, v in data["manifest"].items() if k not in ("drift", "stage_seconds")}
    text = Page(render_report_from(**data)).all_text
    assert "no duplicates.jsonl" in text and "no changes.jsonl" in text
    assert "Layout drift" not in text and "no stage timings" in text


def test_empty_inputs_render():
    html = render_report_from({}, [], {}, {}, None, None)
    assert "<h1>" in html and resource_problems(html) == []


def test_release_dir_without_optional_files(sample_release, tmp_path):
    release = Path(shutil.copytree(sample_release, tmp_path / "r"))
    for name in ("duplicates.jsonl", "changes.jsonl", "quality.json", REPORT):
        (release / name).unlink(missing_ok=True)
    text = Page(render_report(release)).all_text
    assert "no duplicates.jsonl" in text and "Field coverage" in text and "procedure" in text
    # manifest's change summary still gives the counts when changes.jsonl is gone
    assert "First release" in text


def test_deterministic(sample_release, tmp_path):
    first = render_report(sample_release)
    assert render_report(sample_release) == first
    copy = Path(shutil.copytree(sample_release, tmp_path / "copy"))
    assert render_report(copy) == first  # depends on the content only, not on where or when it is rendered
    assert render_report_from(**hostile_data()) == render_report_from(**hostile_data())


def test_no_external_resources(sample_release):
    html = render_report(sample_release)
    assert resource_problems(html) == []
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def test_sample_release_numbers(sample_release):
    manifest = json.loads((sample_release / "manifest.json").read_text())
    cards = Page(render_report(sample_release)).cards
    assert cards["pages"] == f"{manifest['inputs']['pages']:,}"
    for name, count in manifest["counts"].items():
        assert cards["quarantined" if name == "quarantine" else f"records:{name}"] == f"{count:,}"


def test_write_report_is_atomic(sample_release, tmp_path):
    release = Path(shutil.copytree(sample_release, tmp_path / "r"))
    path = write_report(release)
    assert path == release / REPORT
    assert path.read_text("utf-8") == render_report(release)
    assert sorted(p.name for p in release.iterdir() if p.name.startswith(".")) == []


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    return app


def test_cli_report(app, sample_release, tmp_path):
    out = Path(shutil.copytree(sample_release.parent.parent, tmp_path / "out", symlinks=True))
    release = out / "releases" / sample_release.name
    (release / REPORT).unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == release / REPORT and path.is_file()  # missing: rendered on the spot
    path.write_text("stale")
    result = CliRunner().invoke(app, ["report", sample_release.name[:10], "--out", str(out)])
    assert result.exit_code == 0 and path.read_text() == "stale"  # present: only its path is printed
    result = CliRunner().invoke(app, ["report", "latest", "--out", str(out), "--write"])
    assert result.exit_code == 0 and path.read_text() == render_report(release)
    result = CliRunner().invoke(app, ["report", "nope", "--out", str(out)])
    assert result.exit_code == 1 and "no release" in result.output


def test_cli_keeps_a_checksummed_report(app, sample_release, tmp_path):
    """A release whose manifest lists report.html: --write must not break its checksums."""
    out = Path(shutil.copytree(sample_release.parent.parent, tmp_path / "out", symlinks=True))
    release = out / "releases" / sample_release.name
    manifest_path = release / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    (release / REPORT).write_text("an older rendering")
    manifest["files"][REPORT] = {"sha256": hashlib.sha256(b"an older rendering").hexdigest(), "bytes": 18}
    manifest_path.write_text(json.dumps(manifest))
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--write"])
    assert result.exit_code == 1 and "checksummed" in result.output
    assert (release / REPORT).read_text() == "an older rendering"
    current = render_report(release).encode()
    manifest["files"][REPORT] = {"sha256": hashlib.sha256(current).hexdigest(), "bytes": len(current)}
    manifest_path.write_text(json.dumps(manifest))
    assert render_report(release).encode() == current  # the report does not show manifest["files"][report.html]
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--write"])
    assert result.exit_code == 0 and (release / REPORT).read_bytes() == current
