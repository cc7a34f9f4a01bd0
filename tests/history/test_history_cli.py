"""`releases`, `diff`, `gc` on a throwaway typer app (and through `python -m ingest.cli` once wired)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from ingest.cli.releases import register
from ingest.release.layout import latest_release, switch_latest
from ingest.release.publish import publish_release

from .test_history import release_one, release_two

WIDE = {"COLUMNS": "200"}


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    return app


def run(app, *args):
    result = CliRunner().invoke(app, [str(a) for a in args], env=WIDE)
    return result


def test_releases_table(app, tmp_path):
    assert "no releases" in run(app, "releases", "--out", tmp_path).output
    first, second = release_one(tmp_path), release_two(tmp_path)
    (first.path / "codes.jsonl").write_bytes(b"")
    result = run(app, "releases", "--out", tmp_path)
    assert result.exit_code == 1, result.output  # a corrupt release: the table, then one error line
    assert f"1 of 2 release(s) corrupt: {first.release_id}: codes.jsonl: checksum mismatch" in " ".join(result.output.split())
    rows = {line.split("│")[2].strip(): line for line in result.output.splitlines() if "│" in line}
    assert set(rows) == {first.release_id, second.release_id}
    assert "latest" in rows[second.release_id] and "valid" in rows[second.release_id]
    assert "latest" not in rows[first.release_id] and "corrupt: codes.jsonl: checksum mismatch" in rows[first.release_id]
    assert "+2 -1 ~2" in rows[second.release_id]  # totals over datasets
    assert [c.strip() for c in rows[second.release_id].split("│")[4:7]] == ["1", "3", "2"]  # codes, procedures, quarantine


def test_releases_json(app, tmp_path):
    first, second = release_one(tmp_path), release_two(tmp_path)
    listed = json.loads(run(app, "releases", "--out", tmp_path, "--json").output)
    assert [(r["release_id"], r["latest"], r["valid"]) for r in listed] == [(first.release_id, False, True),
                                                                            (second.release_id, True, True)]
    assert listed[1]["counts"]["procedures"] == 3


def test_diff_readable(app, tmp_path):
    release_one(tmp_path)
    release_two(tmp_path)
    result = run(app, "diff", "previous", "latest", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "+ procedure:cpt:66984" in out and "- procedure:cpt:45378" in out and "~ procedure:cpt:29881" in out
    assert 'title: "Knee scope" → "Knee arthroscopy"' in out
    assert "valid: null → true" in out and "+ other/logo.png.html" in out
    assert run(app, "diff", "latest", "latest", "--out", tmp_path).output.rstrip().endswith("no differences")


def test_diff_list_items_and_limit(app, tmp_path):
    base = {"id": "p:1", "title": "Knee", "risks": ["infection", "bleeding"]}
    publish_release(tmp_path, {"procedures": [base] + [{"id": f"p:x{i}"} for i in range(5)]}, [], [])
    publish_release(tmp_path, {"procedures": [{**base, "risks": ["infection", "stiffness"]}]}, [], [])
    out = run(app, "diff", "previous", "latest", "--out", tmp_path, "--limit", "2").output
    assert "risks:" in out and '+ "stiffness"' in out and '- "bleeding"' in out
    assert "- p:x0" in out and "- p:x1" in out and "p:x2" not in out and "and 3 more" in out


def test_diff_json(app, tmp_path):
    first, second = release_one(tmp_path), release_two(tmp_path)
    result = run(app, "diff", first.release_id[:-3], "latest", "--out", tmp_path, "--json", "-d", "procedures")
    data = json.loads(result.output)
    assert (data["old"], data["new"]) == (first.release_id, second.release_id)
    assert list(data["datasets"]) == ["procedures"]
    assert data["datasets"]["procedures"] == {
        "added": ["procedure:cpt:66984"], "removed": ["procedure:cpt:45378"],
        "changed": [{"id": "procedure:cpt:29881", "fields": {"title": {"old": "Knee scope", "new": "Knee arthroscopy"}}}]}


def test_diff_long_strings_and_changed_list_items(app, tmp_path):
    text = "A long summary sentence that goes on. " * 10
    old = {"id": "p:1", "summary": text + "End.", "sources": [{"path": "a.html", "size": 1}, {"path": "b.html", "size": 2}]}
    new = {"id": "p:1", "summary": text + "End, revised.", "sources": [{"path": "a.html", "size": 5}, {"path": "b.html", "size": 2}]}
    publish_release(tmp_path, {"procedures": [old]}, [], [])
    publish_release(tmp_path, {"procedures": [new]}, [], [])
    out = run(app, "diff", "previous", "latest", "--out", tmp_path).output
    assert 'summary: "…' in out and 'End." → "…' in out and 'End, revised."' in out  # the differing part shows
    assert '~ path="a.html"' in out and "size: 1 → 5" in out and "b.html" not in out


def test_diff_errors(app, tmp_path):
    release_one(tmp_path)
    result = run(app, "diff", "previous", "latest", "--out", tmp_path)
    assert result.exit_code == 1 and "no previous release" in result.output
    result = run(app, "diff", "nope", "latest", "--out", tmp_path)
    assert result.exit_code == 1 and "no release 'nope'" in result.output
    result = run(app, "diff", "latest", "latest", "--out", tmp_path, "-d", "nope")
    assert result.exit_code == 1 and "unknown dataset" in result.output


def test_gc_command(app, tmp_path):
    first, second = release_one(tmp_path), release_two(tmp_path)
    switch_latest(tmp_path, first.path)
    dry = run(app, "gc", "--keep", "1", "--out", tmp_path, "--dry-run")
    assert dry.exit_code == 0 and f"would remove {second.path}" in dry.output and second.path.exists()
    done = run(app, "gc", "--keep", "1", "--out", tmp_path)
    assert f"removed {second.path}" in done.output and "removed 1 path(s)" in done.output
    assert not second.path.exists() and latest_release(tmp_path) == first.path.resolve()
    assert "nothing to remove" in run(app, "gc", "--keep", "1", "--out", tmp_path).output
    assert run(app, "gc", "--keep", "0", "--out", tmp_path).exit_code == 2  # usage error
    assert run(app, "gc", "--out", tmp_path).exit_code == 2  # --keep is required


@pytest.mark.slow  # a real `python -m` process
def test_python_m_ingest_cli_releases(tmp_path):
    from ingest import cli

    names = {c.name or c.callback.__name__ for c in cli.app.registered_commands}
    if not {"releases", "diff", "gc"} <= names:
        pytest.skip("cli.releases.register(app) is not wired into ingest.cli yet")
    info = release_one(tmp_path)
    done = subprocess.run([sys.executable, "-m", "ingest.cli", "releases", "--out", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["release_id"] == info.release_id
