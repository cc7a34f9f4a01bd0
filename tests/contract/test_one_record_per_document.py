"""Schema 2.0 (one record per document, `entity`, entities.jsonl) through the data contract: published over a
1.x release because the major was raised, refused without it, shown by `ingest schema diff`, and a 1.x release
refused by open_release with what to do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ingest
from ingest import models
from ingest.assembly.finalize import finalize
from ingest.cli import app
from ingest.datasets import IncompatibleRelease, open_release
from ingest.release.contract import SchemaContractError
from ingest.release.layout import read_manifest

from .conftest import model_without

runner = CliRunner()
RECORD_DATASETS = ("procedures", "terms", "billing")


def _publish_as_1x(sample_results, out: Path, monkeypatch) -> Path:
    """A release as schema 1.1 published it: record models without `entity`, no entities dataset."""
    with monkeypatch.context() as m:
        m.setattr(ingest, "SCHEMA_VERSION", "1.1")
        for name in RECORD_DATASETS:
            m.setitem(models.DATASETS, name, model_without(models.DATASETS[name], "entity"))
        m.delitem(models.DATASETS, "entities")
        return Path(finalize(sample_results, out).release_path)


def test_schema_2_publishes_over_1x_because_the_major_was_raised(sample_results, tmp_path, monkeypatch):
    out = tmp_path / "normalized"
    old = _publish_as_1x(sample_results, out, monkeypatch)
    assert read_manifest(old)["schema_version"] == "1.1"
    # the same change without raising the major: refused, nothing published, each field named
    with monkeypatch.context() as m:
        m.setattr(ingest, "SCHEMA_VERSION", "1.2")
        with pytest.raises(SchemaContractError) as refused:
            finalize(sample_results, out, force=True)
    assert "procedures.entity: required field added (string)" in str(refused.value)
    assert "raise SCHEMA_VERSION in src/ingest/__init__.py from 1.2 to 2.0" in str(refused.value)
    assert sorted(p.name for p in (out / "releases").iterdir()) == [old.name]
    # the code as it is: schema 2.0, published, the verdict and every change recorded
    assert ingest.SCHEMA_VERSION.split(".")[0] == "2"
    new = Path(finalize(sample_results, out).release_path)
    evolution = read_manifest(new)["schema_evolution"]
    assert (evolution["version"], evolution["verdict"], evolution["previous_version"]) == ("2.0", "breaking", "1.1")
    lines = {c["message"] for c in evolution["changes"]}
    assert {f"{d}.entity: required field added (string): records of older releases lack it"
            for d in RECORD_DATASETS} | {"entities: dataset added"} <= lines
    card = (new / "README.md").read_text()
    assert "Schema **2.0** (breaking against release" in card and "## Migrating from schema 1.x" in card
    # ingest schema diff shows it
    shown = runner.invoke(app, ["schema", "diff", "previous", "latest", "--out", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert f"schema {old.name} (1.1) → {new.name} (2.0): breaking" in shown.output
    assert re.search(r"procedures\.entity\s+required field added \(string\).*\s+breaking", shown.output)
    # readers: the 2.0 release reads, the 1.1 one is refused with what to do
    assert all(p.entity for p in open_release(out).procedures())
    with pytest.raises(IncompatibleRelease) as old_major:
        open_release(out, old.name)
    message = str(old_major.value)
    assert f"release {old.name} has schema 1.1, an older major than this ingest reads (2.x)" in message
    assert "ingest build --raw" in message and "one record per entity" in message
