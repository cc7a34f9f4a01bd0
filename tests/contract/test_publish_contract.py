"""Schema evolution enforced by the real publish path: version bumps, refusals, and where the verdict shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import Field

import ingest
from ingest import models
from ingest.release.contract import IncompatibleRelease, SchemaContractError, check_readable, evolve, model_schemas
from ingest.release.layout import latest_release, read_manifest, release_dirs, verify_release
from ingest.assembly.finalize import finalize

from .conftest import model_with, model_without

V = ingest.SCHEMA_VERSION  # the code's schema version: releases built here start at it


def minor(n: int) -> str:
    """V with its minor raised by n."""
    major, low = V.split(".")
    return f"{major}.{int(low) + n}"


NEXT_MAJOR = f"{int(V.split('.')[0]) + 1}.0"

REPO = Path(__file__).resolve().parents[2]


def with_model(monkeypatch, dataset: str, model) -> None:
    """Publish with another record model for one dataset (what a code change to models.py does)."""
    monkeypatch.setitem(models.DATASETS, dataset, model)


def test_first_release_takes_the_code_version(built_release):
    manifest = read_manifest(latest_release(built_release))
    assert manifest["schema_version"] == V
    assert manifest["schema_evolution"] == {"version": V, "verdict": "first", "previous_version": None,
                                            "compared_with": None, "code_version": V, "changes": []}


def test_compatible_change_bumps_the_minor_and_shows_everywhere(release_copy, sample_results, monkeypatch):
    first = latest_release(release_copy)
    with_model(monkeypatch, "procedures", model_with(
        models.ProcedureRecord, reading_level=(str | None, Field(None, description="Reading level of the page.")),
        review_notes=(list[str], Field(default_factory=list, description="Notes of a reviewer."))))
    summary = finalize(sample_results, release_copy)  # same pages: only the schema changed
    assert summary.published, "a schema change alone is a new release"
    release = Path(summary.release_path)
    manifest = read_manifest(release)
    assert manifest["schema_version"] == minor(1)
    evo = manifest["schema_evolution"]
    assert (evo["verdict"], evo["previous_version"], evo["compared_with"]) == ("compatible", V, first.name)
    assert [c["message"] for c in evo["changes"]] == [
        "procedures.reading_level: optional field added (string | null)",
        "procedures.review_notes: optional field added (list[string])"]
    card = (release / "README.md").read_text()
    assert f"Schema **{minor(1)}** (compatible against release" in card
    assert "- `procedures.reading_level: optional field added (string | null)`" in card
    report = (release / "report.html").read_text()
    assert 'id="schema"' in report and "procedures.reading_level" in report and "compatible" in report
    assert json.loads((release / "schemas/procedures.schema.json").read_text())["properties"]["reading_level"]
    assert verify_release(release) == []
    # nothing changed since: the same version, no new release
    again = finalize(sample_results, release_copy)
    assert not again.published and again.release_id == summary.release_id
    # one more compatible change: 1.2
    with_model(monkeypatch, "quarantine", model_with(models.QuarantineEntry, note=(str | None, None)))
    assert read_manifest(Path(finalize(sample_results, release_copy).release_path))["schema_version"] == minor(2)


def test_a_dropped_field_refuses_to_publish_with_one_line_per_field(release_copy, sample_results, monkeypatch):
    before = latest_release(release_copy)
    releases_before = release_dirs(release_copy)
    with_model(monkeypatch, "procedures", model_without(models.ProcedureRecord, "risks", "duration"))
    with pytest.raises(SchemaContractError) as err:
        finalize(sample_results, release_copy, force=True)
    lines = str(err.value).splitlines()
    assert lines[0].startswith(f"breaking schema change against release {before.name} (schema {V}), nothing "
                               f"published; raise SCHEMA_VERSION in src/ingest/__init__.py from {V} to {NEXT_MAJOR}")
    assert lines[1:] == ["  procedures.duration: field removed (was string | null)",
                         "  procedures.risks: field removed (was list[string])"]
    assert latest_release(release_copy) == before and release_dirs(release_copy) == releases_before
    assert not list((release_copy / "releases").glob(".tmp-*"))


def test_a_breaking_change_publishes_when_the_major_was_raised(release_copy, sample_results, monkeypatch):
    with_model(monkeypatch, "procedures", model_without(models.ProcedureRecord, "risks"))
    monkeypatch.setattr(ingest, "SCHEMA_VERSION", NEXT_MAJOR)
    release = Path(finalize(sample_results, release_copy).release_path)
    manifest = read_manifest(release)
    assert manifest["schema_version"] == NEXT_MAJOR
    assert manifest["schema_evolution"]["verdict"] == "breaking"
    assert [c["message"] for c in manifest["schema_evolution"]["changes"]] == [
        "procedures.risks: field removed (was list[string])"]
    assert "- `procedures.risks: field removed (was list[string])` (breaking)" in (release / "README.md").read_text()
    # and a code of major 1 may no longer publish over it
    monkeypatch.setattr(ingest, "SCHEMA_VERSION", V)
    with pytest.raises(SchemaContractError, match=f"older than the latest release's schema {NEXT_MAJOR}"):
        finalize(sample_results, release_copy, force=True)


def test_evolve_versions(built_release):
    latest = latest_release(built_release)
    assert evolve(latest, model_schemas()).version == V  # identical
    assert evolve(latest, model_schemas(), code_version=minor(4)).version == minor(4)  # minor raised by hand
    schemas = model_schemas()
    del schemas["codes"]
    with pytest.raises(SchemaContractError, match="  codes: dataset removed$"):
        evolve(latest, schemas)
    assert evolve(latest, schemas, code_version="3.0").version == "3.0"


def test_a_damaged_latest_manifest_still_gets_its_schemas_compared(release_copy):
    latest = latest_release(release_copy)
    (latest / "manifest.json").write_text("{ cut by a crash")
    assert evolve(latest, model_schemas()).verdict == "identical"
    schemas = model_schemas()
    del schemas["procedures"]["properties"]["risks"]
    with pytest.raises(SchemaContractError, match="procedures.risks: field removed"):
        evolve(latest, schemas)


def test_check_readable():
    check_readable("1.7", "1.0")
    check_readable("1.0", "1.3")
    with pytest.raises(IncompatibleRelease, match=r"schema 2\.0, newer than this ingest reads \(1\.x\).*upgrade"):
        check_readable("2.0", "1.0")
    with pytest.raises(IncompatibleRelease, match="older major"):
        check_readable("1.2", "2.0")


DRIVER = textwrap.dedent("""
    # `ingest` as released, except that models.py no longer has ProcedureRecord.risks
    import sys
    from pydantic import create_model
    from ingest import models
    fields = {n: (f.annotation, f) for n, f in models.ProcedureRecord.model_fields.items() if n != "risks"}
    models.DATASETS["procedures"] = create_model("ProcedureRecord", __base__=models._Model, **fields)
    if sys.argv[1] == "flow":  # the Prefect flow itself (as a deployment runs it): publish refuses
        from flows import prefect_env
        prefect_env.apply(quiet=True)
        from flows.build import build
        from ingest.release import publish
        calls = []
        evolve = publish.evolve
        publish.evolve = lambda *a, **k: calls.append(1) or evolve(*a, **k)
        try:
            build(raw=sys.argv[2], out=sys.argv[3], workers=0, force=True)
        except Exception as exc:
            print(f"{type(exc).__name__}: {exc}")
            print(f"publish attempts: {len(calls)}")
            sys.exit(3)
        sys.exit(0)
    from ingest.cli import app
    sys.argv = ["ingest", *sys.argv[1:]]
    app()
""")


@pytest.mark.slow
def test_ingest_build_refuses_a_dropped_field_end_to_end(tmp_path):
    """Two real `ingest build` runs (Prefect flow, extraction, publish); the second drops a field."""
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"}
    out = tmp_path / "normalized"
    first = subprocess.run([sys.executable, "-m", "ingest.cli", "build", "--raw", str(REPO / "raw"), "--out", str(out),
                            "--workers", "0"], capture_output=True, text=True, env=env, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    published = latest_release(out)
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    second = subprocess.run([sys.executable, str(driver), "build", "--raw", str(REPO / "raw"), "--out", str(out),
                             "--workers", "0", "--force"], capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 3, second.stdout[-2000:] + second.stderr[-3000:]  # a publish refusal
    lines = second.stderr.splitlines()  # refused before extracting a page, one line per broken field
    assert lines[0].startswith(f"error: breaking schema change against release {published.name} (schema {V}), "
                               f"nothing published; raise SCHEMA_VERSION in src/ingest/__init__.py from {V} to {NEXT_MAJOR}")
    assert lines[1:] == ["  procedures.risks: field removed (was list[string])"]
    assert latest_release(out) == published and len(release_dirs(out)) == 1
    flow = subprocess.run([sys.executable, str(driver), "flow", str(REPO / "raw"), str(out)], capture_output=True,
                          text=True, env=env, timeout=600)
    assert flow.returncode == 3, flow.stdout[-2000:] + flow.stderr[-3000:]
    assert "SchemaContractError: breaking schema change" in flow.stdout
    assert "\n  procedures.risks: field removed (was list[string])" in flow.stdout
    assert "publish attempts: 1" in flow.stdout  # a refusal is not retried
    assert latest_release(out) == published and len(release_dirs(out)) == 1


@pytest.mark.slow  # imports Prefect (~5 s)
def test_prefect_summary_artifact_shows_the_schema_verdict():
    from flows.artifacts import summary_markdown

    summary = {"release_id": "r2", "published": True, "records": {}, "pages": 0, "quarantined": {},
               "stage_seconds": {}}
    evolution = {"version": "1.1", "verdict": "compatible", "previous_version": "1.0", "compared_with": "r1",
                 "changes": [{"message": "procedures.language: optional field added (string | null)",
                              "breaking": False}]}
    text = summary_markdown(summary, {"schema_evolution": evolution})
    assert "## Schema version" in text and "Schema **1.1** (compatible against release `r1`, schema 1.0)." in text
    assert "- `procedures.language: optional field added (string | null)`" in text
