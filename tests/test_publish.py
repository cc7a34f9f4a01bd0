"""Publishing: atomic switch of `latest`, checksummed manifest, reproducible bytes, no-op rebuilds."""

from __future__ import annotations

import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.page.acquire import discover_pages
from ingest.page.parallel import extract_pages
from ingest.release.layout import LATEST, latest_release, verify_release
from ingest.release.publish import publish_release
from ingest.assembly.finalize import finalize
from ingest.settings import BuildSettings

RECORDS = {"procedures": [{"id": "procedure:cpt:29881", "title": "Knee scope"},
                          {"id": "procedure:cpt:45378", "title": "Colonoscopy"}]}
QUARANTINE = [{"path": "x.html", "reason": "empty", "detail": "0 bytes"}]
PAGES = [("a.html", "aa"), ("x.html", None)]


def test_release_layout_and_manifest(tmp_path):
    info = publish_release(tmp_path, RECORDS, QUARANTINE, PAGES)
    assert info.published
    release = tmp_path / "releases" / info.release_id
    assert (tmp_path / LATEST).resolve() == release.resolve()
    assert os.readlink(tmp_path / LATEST) == f"releases/{info.release_id}"  # relative: the folder can move
    for name in ("procedures.jsonl", "quarantine.jsonl", "manifest.json", "README.md",
                 "schemas/procedures.schema.json", "schemas/quarantine.schema.json"):
        assert (release / name).is_file(), name
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["counts"] == {"procedures": 2, "quarantine": 1}
    assert manifest["datasets"]["procedures"]["records"] == 2
    assert manifest["inputs"] == {"pages": 2}  # the input digest is the build's (ingest.assembly.incremental)
    assert verify_release(release) == []
    lines = (release / "procedures.jsonl").read_bytes().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["procedure:cpt:29881", "procedure:cpt:45378"]
    assert "`procedure_steps`" in (release / "README.md").read_text()


def test_corruption_is_detected(tmp_path):
    info = publish_release(tmp_path, RECORDS, QUARANTINE, PAGES)
    (info.path / "procedures.jsonl").write_bytes(b"{}\n")
    assert [p.split(" (")[0] for p in verify_release(info.path)] == ["procedures.jsonl: checksum mismatch"]


def test_unchanged_content_publishes_nothing_unless_forced(tmp_path):
    first = publish_release(tmp_path, RECORDS, QUARANTINE, PAGES)
    again = publish_release(tmp_path, RECORDS, QUARANTINE, PAGES)
    assert not again.published and again.release_id == first.release_id
    forced = publish_release(tmp_path, RECORDS, QUARANTINE, PAGES, force=True)
    assert forced.published and forced.release_id != first.release_id
    assert latest_release(tmp_path).name == forced.release_id
    assert json.loads((forced.path / "manifest.json").read_text())["previous_release"] == first.release_id


def test_no_temporary_directories_left_behind(tmp_path):
    publish_release(tmp_path, RECORDS, QUARANTINE, PAGES)
    assert [p.name for p in (tmp_path / "releases").iterdir() if p.name.startswith(".")] == []


def test_two_builds_of_the_same_input_are_byte_identical(tmp_path, seeds_dir):
    outs = []
    for run in ("a", "b"):
        results = extract_pages(list(discover_pages(seeds_dir)), BuildSettings(workers=0))
        summary = finalize(results, tmp_path / run)
        outs.append(summary.release_path)
    for name in ("procedures.jsonl", "quarantine.jsonl"):
        assert (tmp_path / "a" / "latest" / name).read_bytes() == (tmp_path / "b" / "latest" / name).read_bytes()


def test_the_summary_carries_what_the_artifacts_show_as_the_release_on_disk_holds_it(tmp_path, seeds_dir):
    from flows.artifacts import change_rows, summary_markdown

    results = extract_pages(list(discover_pages(seeds_dir)), BuildSettings(workers=0))
    summary = finalize(results, tmp_path).as_dict()
    manifest = json.loads((tmp_path / LATEST / "manifest.json").read_text())
    assert summary["schema_evolution"] == manifest["schema_evolution"] and summary["drift"] == manifest["drift"]
    assert summary_markdown(summary) == summary_markdown(summary, manifest)
    feed = [json.loads(line) for line in (tmp_path / LATEST / "changes.jsonl").read_text().splitlines()]
    rows = change_rows(summary["biggest_changes"])
    assert len(rows) == min(25, len(feed)) and all(r["change"] == "added" for r in rows)  # a first release
    assert {(r["dataset"], r["id"]) for r in rows} <= {(c["dataset"], c["id"]) for c in feed}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(max_size=40).filter(lambda b: b"\n" not in b), max_size=20))
def test_a_release_file_streamed_line_by_line_is_the_file_written_whole(tmp_path_factory, lines):
    """changes.jsonl is written from a stream of lines (it need not fit in memory): same bytes, same entry."""
    from ingest.release.layout import write_file

    folder = tmp_path_factory.mktemp("stream")
    whole = write_file(folder / "whole.jsonl", b"".join(line + b"\n" for line in lines))
    streamed = write_file(folder / "streamed.jsonl", iter(lines))
    assert streamed == whole
    assert (folder / "streamed.jsonl").read_bytes() == (folder / "whole.jsonl").read_bytes()
