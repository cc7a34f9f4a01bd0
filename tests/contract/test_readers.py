"""Readers (ingest.datasets), the Parquet export read back with DuckDB, the dataset card's recipes, the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest
from pydantic import Field
from typer.testing import CliRunner

import ingest
from ingest import models
from ingest.cli import app
from ingest.datasets import CorruptRelease, IncompatibleRelease, ReleaseNotFound, open_release
from ingest.release.export import ExportError, export_release
from ingest.models import ProcedureRecord, QuarantineEntry, TermRecord
from ingest.release.layout import dataset_files, latest_release, read_manifest
from ingest.assembly.finalize import finalize

from .conftest import model_with, model_without

runner = CliRunner()


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


# --------------------------------------------------------------------------- open_release


def test_open_release_by_folder_id_and_path(built_release):
    latest = latest_release(built_release)
    for rel in (open_release(built_release), open_release(built_release, latest.name[:12]), open_release(latest),
                open_release(str(built_release), "latest")):
        assert rel.path == latest and rel.id == latest.name and rel.schema_version == ingest.SCHEMA_VERSION
    with pytest.raises(ReleaseNotFound):
        open_release(built_release, "19990101")
    with pytest.raises(ReleaseNotFound):
        open_release(built_release / "nothing-here")


def test_records_are_validated_models_in_file_order(built_release):
    rel = open_release(built_release)
    procedures = list(rel.procedures())
    assert procedures and all(isinstance(p, ProcedureRecord) for p in procedures)
    raw = jsonl(rel.path / "procedures.jsonl")
    assert [p.model_dump(mode="json") for p in procedures] == raw  # nothing lost or added by the models
    assert all(isinstance(t, TermRecord) for t in rel.terms())
    assert all(isinstance(q, QuarantineEntry) for q in rel.quarantine())
    assert sum(1 for _ in rel.codes()) == read_manifest(rel.path)["counts"]["codes"]
    assert sum(1 for _ in rel.billing()) == read_manifest(rel.path)["counts"]["billing"]
    assert list(rel.procedures(validate=False)) == raw
    assert set(rel.datasets) >= {"procedures", "terms", "billing", "codes", "quarantine", "duplicates"}
    assert list(rel.records("duplicates", validate=False)) == jsonl(rel.path / "duplicates.jsonl")
    with pytest.raises(KeyError, match="no record model for dataset 'duplicates'"):
        next(rel.records("duplicates"))


def test_verify_and_changes(release_copy, sample_results, monkeypatch):
    rel = open_release(release_copy)
    assert rel.verify() == []
    assert {c["change"] for c in rel.changes()} == {"added"}  # the first release: everything added
    path = rel.path / "terms.jsonl"
    path.write_bytes(path.read_bytes().replace(b"term:", b"TERM:", 1))
    assert rel.verify() == ["terms.jsonl: checksum mismatch"]


def test_an_invalid_line_names_file_and_line(release_copy):
    rel = open_release(release_copy)
    path = rel.path / "procedures.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = orjson.dumps({**json.loads(lines[1]), "title": 7}) + b"\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(CorruptRelease, match=r"procedures.jsonl: checksum mismatch"):  # checked before any record
        next(rel.procedures())
    with pytest.raises(ValueError, match=r"procedures.jsonl:2: not a valid ProcedureRecord"):
        list(open_release(release_copy, verify=False).procedures())  # read as it is: the line is named


def test_a_file_cut_at_a_line_boundary_raises_before_the_first_record(release_copy):
    rel = open_release(release_copy)
    path = rel.path / "procedures.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:5]))  # whole lines: every one still parses
    with pytest.raises(CorruptRelease, match=rf"release {rel.id} is corrupt: procedures.jsonl: checksum mismatch"):
        next(rel.procedures())
    assert len(list(open_release(release_copy, verify=False).procedures())) == 5
    assert len(list(rel.terms())) == rel.manifest["counts"]["terms"]  # the other datasets still read


def test_reading_a_release_of_an_older_minor(release_copy, monkeypatch):
    """Written before `reading_level` existed; read by code that has it: the default fills in."""
    monkeypatch.setitem(models.DATASETS, "procedures", model_with(ProcedureRecord, reading_level=(str | None, None)))
    records = list(open_release(release_copy).procedures())
    assert records and all(r.reading_level is None for r in records)


def _rewrite(release: Path, name: str, data: bytes | None = None) -> None:
    """Replace a file of a release (data; None: already written) as a writer of that release would have:
    its manifest entry and record count follow."""
    if data is not None:
        (release / name).write_bytes(data)
    with open(release / name, "rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    manifest = read_manifest(release)
    manifest["files"][name] = {"sha256": digest, "bytes": (release / name).stat().st_size}
    with open(release / name, "rb") as fh:
        manifest["counts"][name.removesuffix(".jsonl")] = sum(1 for _ in fh)
    (release / "manifest.json").write_text(json.dumps(manifest))


def _set_version(release: Path, version: str) -> None:
    manifest = read_manifest(release)
    manifest["schema_version"] = version
    (release / "manifest.json").write_text(json.dumps(manifest))


def test_reading_a_release_of_a_newer_minor_drops_unknown_fields(release_copy):
    release = latest_release(release_copy)
    major, minor = ingest.SCHEMA_VERSION.split(".")
    _set_version(release, f"{major}.{int(minor) + 3}")
    path = release / "procedures.jsonl"
    _rewrite(release, "procedures.jsonl", b"".join(
        orjson.dumps({**r, "reading_level": "easy", "sources": [{**s, "lang": "en"} for s in r["sources"]]}) + b"\n"
        for r in jsonl(path)))
    rel = open_release(release)
    assert all(isinstance(p, ProcedureRecord) for p in rel.procedures())
    assert rel.unknown_fields == {"reading_level", "sources.lang"}


def test_reading_a_release_of_a_newer_major_fails_clearly(release_copy):
    release = latest_release(release_copy)
    major = int(ingest.SCHEMA_VERSION.split(".")[0])
    _set_version(release, f"{major + 1}.0")
    with pytest.raises(IncompatibleRelease, match=rf"has schema {major + 1}\.0, newer than this ingest reads \({major}\.x\)"):
        open_release(release_copy)


@pytest.fixture(scope="module")
def big_release(built_release, tmp_path_factory) -> Path:
    """A release folder with 12,000 procedure records (~40 MB of JSONL), copies of a real one."""
    src = latest_release(built_release)
    release = tmp_path_factory.mktemp("big") / "release"
    shutil.copytree(src, release)
    one = jsonl(src / "procedures.jsonl")[0]
    with open(release / "procedures.jsonl", "wb") as fh:
        for i in range(12_000):
            fh.write(orjson.dumps({**one, "id": f"procedure:cpt:{i:05d}", "code": f"{i:05d}"}) + b"\n")
    _rewrite(release, "procedures.jsonl")
    assert (release / "procedures.jsonl").stat().st_size > 20_000_000
    return release


@pytest.mark.slow
def test_reading_streams_in_constant_memory(big_release):
    """The reader's peak Python allocation stays a small fraction of the file."""
    size = (big_release / "procedures.jsonl").stat().st_size
    rel = open_release(big_release)
    tracemalloc.start()
    count = sum(1 for _ in rel.procedures())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 12_000
    assert peak < size / 20, f"peak {peak:,} bytes for a {size:,}-byte file"


@pytest.mark.slow
def test_export_streams_in_row_batches(big_release, tmp_path):
    """Peak memory (Python objects and Arrow buffers) does not grow with the file: a quarter of the
    records and all of them peak alike, and both stay a small fraction of the file."""
    import pyarrow as pa

    quarter = tmp_path / "quarter"
    shutil.copytree(big_release, quarter)
    lines = (big_release / "procedures.jsonl").read_bytes().splitlines(keepends=True)
    _rewrite(quarter, "procedures.jsonl", b"".join(lines[:3000]))
    export_release(big_release, tmp_path / "warm-up", datasets=["quarantine"])  # pyarrow imports pandas lazily
    pool = pa.default_memory_pool()
    peaks = {}
    for name, release in (("quarter", quarter), ("all", big_release)):
        tracemalloc.start()
        written = export_release(release, tmp_path / name, batch_rows=500, datasets=["procedures"])
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert pq.ParquetFile(written[0].path).num_row_groups == written[0].rows // 500
    size = (big_release / "procedures.jsonl").stat().st_size
    assert peaks["all"] < 1.5 * peaks["quarter"], peaks
    assert peaks["all"] < size / 4, f"Python peak {peaks['all']:,} bytes for a {size:,}-byte file"
    arrow_peak = pool.max_memory()  # the pool's high-water mark over both exports (None if not tracked)
    assert arrow_peak is None or arrow_peak < size / 4, f"Arrow peak {arrow_peak:,} bytes for a {size:,}-byte file"


# --------------------------------------------------------------------------- Parquet export


def test_export_parquet_read_back_with_duckdb(built_release, tmp_path):
    release = latest_release(built_release)
    written = export_release(release, tmp_path / "pq", batch_rows=4)
    counts = read_manifest(release)["counts"]
    assert {f.dataset: f.rows for f in written} == {k: counts[k] for k in ("billing", "codes", "entities",
                                                                           "procedures", "quarantine", "terms")}
    procedures = jsonl(release / "procedures.jsonl")
    con = duckdb.connect()
    got = con.sql(f"SELECT code, len(risks) FROM '{tmp_path / 'pq' / 'procedures.parquet'}' ORDER BY id").fetchall()
    assert got == [(p["code"], len(p["risks"])) for p in sorted(procedures, key=lambda p: p["id"])]
    # nested objects are structs, lists of objects lists of structs, dicts maps: with the schema's types
    described = con.sql(f"DESCRIBE SELECT * FROM '{tmp_path / 'pq' / 'procedures.parquet'}'").fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["risks"] == "VARCHAR[]" and types["add_on"] == "BOOLEAN"
    assert types["risk_groups"] == 'STRUCT(items VARCHAR[], "label" VARCHAR)[]'  # nested fields: schema (sorted) order
    assert types["notes"] == "MAP(VARCHAR, VARCHAR[])"
    assert types["sources"].startswith('STRUCT("encoding" VARCHAR') and "size BIGINT" in types["sources"]
    roles = con.sql(f"SELECT sources[1].role, sources[1].size FROM '{tmp_path / 'pq' / 'procedures.parquet'}' "
                    "ORDER BY id").fetchall()
    assert roles == [(p["sources"][0]["role"], p["sources"][0]["size"]) for p in sorted(procedures, key=lambda p: p["id"])]
    # the whole table equals the JSONL (map columns come back as key/value pairs)
    table = pq.read_table(tmp_path / "pq" / "procedures.parquet")
    assert table.schema.names[:4] == ["id", "entity", "schema_version", "page_type"]  # model order
    rows = table.to_pylist()
    maps = [k for k, v in ProcedureRecord.model_fields.items() if "dict[" in str(v.annotation)]
    assert {"notes", "section_sources", "page_type_evidence"} <= set(maps)
    for row in rows:
        for key in maps:
            if row[key] is not None:
                row[key] = dict(row[key])
    assert rows == procedures
    assert pq.ParquetFile(tmp_path / "pq" / "procedures.parquet").num_row_groups == -(-len(procedures) // 4)
    meta = table.schema.metadata
    assert meta[b"ingest.release_id"].decode() == release.name and meta[b"ingest.schema_version"] == ingest.SCHEMA_VERSION.encode()
    codes = con.sql(f"SELECT referenced_by['procedure'] FROM '{tmp_path / 'pq' / 'codes.parquet'}' "
                    "WHERE len(referenced_by['procedure']) > 0").fetchall()
    assert codes and all(ids and ids[0].startswith("procedure:") for (ids,) in codes)


def _unmap(value, arrow_type):
    """A value read back from Parquet with map columns (lists of key/value pairs) turned back into dicts."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_map(arrow_type):
        return {k: _unmap(v, arrow_type.item_type) for k, v in value}
    if pa.types.is_list(arrow_type):
        return [_unmap(v, arrow_type.value_type) for v in value]
    if pa.types.is_struct(arrow_type):
        return {f.name: _unmap(value[f.name], f.type) for f in arrow_type}
    return value


def test_every_dataset_round_trips_through_parquet(built_release, tmp_path):
    release = latest_release(built_release)
    for exported in export_release(release, tmp_path, batch_rows=7):
        table = pq.read_table(exported.path)
        rows = [{f.name: _unmap(row[f.name], f.type) for f in table.schema} for row in table.to_pylist()]
        assert rows == jsonl(dataset_files(release)[exported.dataset]), exported.dataset


def test_export_without_pyarrow_says_how_to_install(built_release, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ExportError, match=r"pip install 'ingest\[parquet\]'"):
        export_release(latest_release(built_release), tmp_path)


def test_export_cli(built_release, tmp_path):
    result = runner.invoke(app, ["export", "latest", "--from", str(built_release), "--out", str(tmp_path / "x")],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "procedures.parquet" in result.output
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == [
        "billing.parquet", "codes.parquet", "entities.parquet", "procedures.parquet", "quarantine.parquet",
        "terms.parquet"]
    for args, message in ((["export", "nope", "--from", str(built_release), "--out", str(tmp_path)], "no release"),
                          (["export", "latest", "--from", str(built_release), "--out", str(tmp_path),
                            "--format", "csv"], "unknown format 'csv'")):
        bad = runner.invoke(app, args)
        assert bad.exit_code == 1 and f"error: {message}" in bad.output


# --------------------------------------------------------------------------- the card's recipes


def test_dataset_card_recipes_run_on_the_release_as_published(built_release):
    release = latest_release(built_release)
    card = (release / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", card, re.S)
    assert len(blocks) == 4 and "hashlib" in blocks[0] and "import duckdb" in blocks[1] and "import pandas" in blocks[2]
    assert len(blocks[1].strip().splitlines()) == 3
    assert "PARTITION BY entity" in blocks[3]  # one record per entity: tests/test_documents.py runs it
    verify = subprocess.run([sys.executable, "-c", blocks[0]], cwd=release, capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and "files verified" in verify.stdout, verify.stderr
    first_code = next(p["code"] for p in sorted(jsonl(release / "procedures.jsonl"), key=lambda p: p["id"])[:5]
                      if p["code"])  # both recipes show the first five records by id, codes included
    for block in blocks[1:3]:
        run = subprocess.run([sys.executable, "-c", block], cwd=release, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert first_code in run.stdout


# --------------------------------------------------------------------------- ingest schema diff


def test_schema_diff_cli(release_copy, sample_results, monkeypatch, tmp_path):
    old = latest_release(release_copy)
    monkeypatch.setitem(models.DATASETS, "procedures", model_with(
        ProcedureRecord, reading_level=(str | None, Field(None))))
    new = Path(finalize(sample_results, release_copy).release_path)
    result = runner.invoke(app, ["schema", "diff", old.name, "latest", "--out", str(release_copy)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    v = ingest.SCHEMA_VERSION
    bumped = f"{v.split('.')[0]}.{int(v.split('.')[1]) + 1}"
    assert f"schema {old.name} ({v}) → {new.name} ({bumped}): compatible" in result.output
    assert re.search(r"procedures\.reading_level\s+optional field added \(string \| null\)\s+compatible", result.output)
    as_json = runner.invoke(app, ["schema", "diff", str(old), str(new), "--json"])
    data = json.loads(as_json.output)
    assert (data["verdict"], data["old_version"], data["new_version"]) == ("compatible", v, bumped)
    assert [(c["dataset"], c["field"], c["kind"], c["breaking"]) for c in data["changes"]] == [
        ("procedures", "reading_level", "field_added", False)]
    same = runner.invoke(app, ["schema", "diff", "latest", "latest", "--out", str(release_copy)])
    assert "identical" in same.output
    bad = runner.invoke(app, ["schema", "diff", "nope", "latest", "--out", str(release_copy)])
    assert bad.exit_code == 1 and "error: no release 'nope'" in bad.output
    # a deliberate major: the breaking lines, brackets and all
    raised = f"{int(v.split('.')[0]) + 1}.0"
    monkeypatch.setattr(ingest, "SCHEMA_VERSION", raised)
    monkeypatch.setitem(models.DATASETS, "procedures", model_without(ProcedureRecord, "risks"))
    third = Path(finalize(sample_results, release_copy).release_path)
    broken = runner.invoke(app, ["schema", "diff", "previous", "latest", "--out", str(release_copy)],
                           env={"COLUMNS": "200"})
    assert f"schema {new.name} ({bumped}) → {third.name} ({raised}): breaking" in broken.output
    assert re.search(r"procedures\.reading_level\s+field removed \(was string \| null\)\s+breaking", broken.output)
    assert re.search(r"procedures\.risks\s+field removed \(was list\[string\]\)\s+breaking", broken.output)
