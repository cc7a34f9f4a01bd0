"""One record per document, through the real build (ingest.assembly.run.run_build, the steps the flow wraps):
pages of different sites are never fused, copies collapse, same-procedure records are linked by `entity`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from ingest.assembly.run import run_build
from ingest.settings import BuildSettings
from tests.documents import knee

NORTH_RECOVERY = ["Walk with a frame on day one", "Physiotherapy for six weeks at Northside"]
SOUTH_RECOVERY = ["Ice the knee four times a day", "Drive again after eight weeks", "Southside home visits"]


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()] if path.exists() else []


def _build(raw: Path, out: Path) -> dict:
    return run_build(raw, out, BuildSettings(workers=0)).as_dict()


def _release(out: Path, name: str) -> list[dict]:
    return _lines(out / "latest" / f"{name}.jsonl")


def test_two_sites_same_title_give_two_records_both_intact(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    north = knee("northside", NORTH_RECOVERY, date="2026-03-01")
    south = knee("southside", SOUTH_RECOVERY, date="2025-11-20")
    north.write(raw, "northside/knee-replacement.html")
    south.write(raw, "southside/knee-replacement.html")
    _build(raw, out)
    records = {r["sources"][0]["path"]: r for r in _release(out, "procedures")}
    assert sorted(records) == ["northside/knee-replacement.html", "southside/knee-replacement.html"]
    for path, page in (("northside/knee-replacement.html", north), ("southside/knee-replacement.html", south)):
        record = records[path]
        assert [s["path"] for s in record["sources"]] == [path], "a page of another site is in sources"
        assert record["summary"] == page.summary
        for name, items in page.items.items():
            assert record[name] == items, f"{path} {name}: another page's text"
        assert record["url"] == page.url
    north_id = records["northside/knee-replacement.html"]["id"]
    assert north_id.startswith("procedure:northside.example:orthopedics-knee-replacement-")
    # same procedure: linked by one entity, never fused
    assert {r["entity"] for r in records.values()} == {"name:knee-replacement"}
    entities = _release(out, "entities")
    assert entities == [{"entity": "name:knee-replacement", "code_system": None, "code": None,
                         "names": ["Knee Replacement"], "record_ids": sorted(r["id"] for r in records.values()),
                         "records": 2, "sites": ["northside.example", "southside.example"]}]
    assert _release(out, "duplicates") == []
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert manifest["schema_version"].startswith("2.") and manifest["counts"]["entities"] == 1
    assert (out / "latest" / "schemas" / "entities.schema.json").is_file()


def test_two_publishers_of_one_code_give_two_records_and_the_code_index_points_to_both(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    knee("northside", NORTH_RECOVERY, code="27447").write(raw, "northside/tkr.html")
    knee("southside", SOUTH_RECOVERY, code="27447").write(raw, "southside/tkr.html")
    _build(raw, out)
    records = _release(out, "procedures")
    assert len(records) == 2 and {r["entity"] for r in records} == {"cpt:27447"}
    assert sorted(r["recovery"] for r in records) == sorted([NORTH_RECOVERY, SOUTH_RECOVERY])
    code = next(c for c in _release(out, "codes") if c["code"] == "27447")
    assert code["referenced_by"]["procedure"] == sorted(r["id"] for r in records)
    (entity,) = _release(out, "entities")
    assert (entity["entity"], entity["code_system"], entity["code"]) == ("cpt:27447", "CPT", "27447")


def test_one_page_under_two_urls_gives_one_record_with_two_sources(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    page = knee("northside", NORTH_RECOVERY, date="2026-03-01")
    page.write(raw, "northside/knee-replacement.html")
    page.url = "https://syndication.example/partners/northside/knee"  # the same page, syndicated
    page.write(raw, "syndication/knee.html")
    page.url, page.print_version = "https://northside.example/orthopedics/knee-replacement?print=1", True
    page.write(raw, "northside/knee-replacement-print.html")  # a print version: other chrome, same text
    _build(raw, out)
    (record,) = _release(out, "procedures")
    assert sorted((s["path"], s["role"]) for s in record["sources"]) == [  # same date: the smallest path is primary
        ("northside/knee-replacement-print.html", "primary"),
        ("northside/knee-replacement.html", "exact_duplicate"),
        ("syndication/knee.html", "exact_duplicate")]
    assert record["recovery"] == NORTH_RECOVERY
    (cluster,) = _release(out, "duplicates")
    assert cluster["level"] == "exact" and cluster["record_id"] == record["id"]


def test_a_page_whose_text_changed_keeps_its_id_and_shows_as_changed(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    knee("southside", SOUTH_RECOVERY).write(raw, "southside/knee.html")
    knee("northside", NORTH_RECOVERY).write(raw, "northside/knee.html")
    _build(raw, out)
    before = {r["sources"][0]["path"]: r["id"] for r in _release(out, "procedures")}
    edited = knee("northside", ["Walk on day one", "A new rehabilitation plan from 2026"])
    edited.title = "Total Knee Replacement"  # the text changes, even its title: still the same document
    edited.write(raw, "northside/knee.html")
    _build(raw, out)
    after = {r["sources"][0]["path"]: r for r in _release(out, "procedures")}
    assert {p: r["id"] for p, r in after.items()} == before
    changes = [c for c in _release(out, "changes") if c["dataset"] == "procedures"]
    assert [(c["id"], c["change"]) for c in changes] == [(before["northside/knee.html"], "changed")]
    assert {"recovery", "title"} <= set(changes[0]["fields"])


def _card_query_picks(release: Path) -> list[str]:
    """The ids the dataset card's one-record-per-entity DuckDB block selects, run as printed (in a subprocess)."""
    card = (release / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", card, re.S) if "PARTITION BY entity" in b)
    code = block.replace("duckdb.sql(", "rows = duckdb.sql(", 1).replace(".show()", ".fetchall()")
    code += "\nprint('\\n'.join(row[0] for row in rows))"
    run = subprocess.run([sys.executable, "-c", code], cwd=release, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_the_card_query_picks_one_record_per_entity_by_its_rule(tmp_path):
    """Most complete first (whatever the date), then newest, then smallest id."""
    raw, out = tmp_path / "raw", tmp_path / "out"
    complete_old = knee("northside", NORTH_RECOVERY, date="2025-01-01")
    partial_new = knee("southside", SOUTH_RECOVERY, date="2026-01-01")
    partial_new.items.pop("preparation")
    for page, rel in ((complete_old, "n/knee.html"), (partial_new, "s/knee.html")):
        page.write(raw, rel)
    for clinic, date in (("eastside", "2025-06-01"), ("westside", "2026-02-01")):  # equally complete hip pages
        hip = knee(clinic, [f"Hip precautions from {clinic}"], date=date)
        hip.title, hip.url = "Hip Replacement", f"https://{clinic}.example/hip-replacement"
        hip.write(raw, f"{clinic}/hip.html")
    _build(raw, out)
    by_path = {r["sources"][0]["path"]: r for r in _release(out, "procedures")}
    assert by_path["n/knee.html"]["entity"] == by_path["s/knee.html"]["entity"] == "name:knee-replacement"
    assert by_path["eastside/hip.html"]["entity"] == by_path["westside/hip.html"]["entity"] == "name:hip-replacement"
    assert _card_query_picks(out / "latest") == [by_path["westside/hip.html"]["id"], by_path["n/knee.html"]["id"]]


def test_entity_names_drop_site_words_place_names_and_the_site_name():
    from ingest.extract.entity import entity_key, name_key

    same = ["Knee Replacement", "Knee Replacement Surgery", "Knee replacements",
            "Knee Replacement in Denver, CO", "Knee Replacement at St. Mary's Hospital",
            "What is Knee Replacement?", "Knee Replacement Center"]
    assert {name_key(t) for t in same} == {"knee-replacement"}
    assert name_key("Knee Replacement Northside", site_name="Northside Orthopaedics") == "knee-replacement"
    assert name_key("Injection in the Knee") == "injection-in-the-knee"  # a body part, not a place
    assert name_key("Hip Replacement") != name_key("Knee Replacement")
    assert name_key("Arthritis") == "arthritis" and name_key("Surgery") == "surgery"  # nothing left: kept whole
    assert entity_key({"code": "27447", "code_system": "CPT", "title": "Knee Replacement"}) == "cpt:27447"
    assert entity_key({"code": None, "term": "Arthrocentesis"}) == "name:arthrocentesis"
