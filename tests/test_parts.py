"""Batch parts and the streaming merge: real files, hypothesis-generated records.

- the k-way merge of sorted parts is the sort of all their lines (records by (id, path), quarantine
  and pages by path), whatever the split into batches;
- changes.jsonl's merge-join of two sorted files equals the index-based diff it replaced, and a file
  out of key order falls back to the index (same result);
- a batch folder without its marker is not complete.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.assembly.parts import COMPLETE, complete_parts, page_lines, quarantine_lines, record_rows, write_parts
from ingest.jsonl import write_lines
from ingest.page.process import PageResult
from ingest.release.diff import _diff_dataset, _FileIndex, _merge_join, diff_datasets
from ingest.jsonl import RecordsFile

IDS = st.text(alphabet="abc:-_#0", min_size=1, max_size=4)
PATHS = st.text(alphabet="xyz/.", min_size=1, max_size=5)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _result(path: str, rid: str | None, n: int) -> PageResult:
    if rid is None:
        return PageResult(path, "0" * 64, quarantine={"path": path, "reason": "empty", "detail": str(n)})
    line = orjson.dumps({"id": rid, "title": f"t{n}", "sources": [{"path": path}]})
    return PageResult(path, "0" * 64, dataset="procedures", record_json=line,
                      code_refs=[{"system": "CPT", "code": "29881", "description": None, "field": "codes"}])


pages_strategy = st.dictionaries(PATHS, st.one_of(st.none(), IDS), min_size=0, max_size=30)


@SETTINGS
@given(pages=pages_strategy, cuts=st.lists(st.integers(0, 30), max_size=5))
def test_streaming_merge_equals_a_sort_of_all_lines(tmp_path_factory, pages, cuts):
    tmp = tmp_path_factory.mktemp("parts")
    results = [_result(path, rid, n) for n, (path, rid) in enumerate(pages.items())]
    bounds = sorted({0, len(results), *(c for c in cuts if c < len(results))})
    parts = [write_parts(tmp / f"b{i}", results[a:b], 0.8) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    merged = list(record_rows(parts, "procedures"))
    expected = sorted((orjson.loads(r.record_json)["id"], r.rel_path, r.record_json) for r in results if r.record_json)
    assert merged == expected
    assert [orjson.loads(line)["path"] for line in quarantine_lines(parts)] == sorted(
        r.rel_path for r in results if r.quarantine)
    assert [p["path"] for p in page_lines(parts)] == sorted(pages)
    assert sum(p.pages for p in parts) == len(pages)


records_strategy = st.dictionaries(st.text(alphabet="ab:c", min_size=1, max_size=4),
                                   st.fixed_dictionaries({"title": st.sampled_from(["x", "y"]),
                                                          "risks": st.lists(st.sampled_from(["r", "s"]), max_size=2)}),
                                   max_size=20)


def _file(path: Path, records: dict[str, dict], shuffle: bool = False) -> RecordsFile:
    ids = sorted(records, reverse=shuffle)
    return write_lines(path, (orjson.dumps({"id": rid, **records[rid]}) for rid in ids))


@SETTINGS
@given(old=records_strategy, new=records_strategy, unsorted=st.booleans())
def test_merge_join_equals_the_index_diff(tmp_path_factory, old, new, unsorted):
    tmp = tmp_path_factory.mktemp("diff")
    old_file, new_file = _file(tmp / "old.jsonl", old), _file(tmp / "new.jsonl", new, shuffle=unsorted)
    warnings: list[str] = []
    index = _FileIndex("procedures", new_file.path, warnings)
    expected = _diff_dataset("procedures", old_file.path, index, warnings)
    index.close()
    joined = _merge_join("procedures", old_file.path, new_file.path, [])
    if unsorted and len(new) > 1:
        assert joined is None  # out of key order: publish falls back to the index
    else:
        assert joined is not None
        assert (joined.added, joined.removed, [(c.id, c.fields) for c in joined.changed]) == (
            expected.added, expected.removed, [(c.id, c.fields) for c in expected.changed])
    # the way publish diffs a merged file (join or fallback) gives the index's changes.jsonl either way
    release = tmp / "release"
    release.mkdir()
    (release / "procedures.jsonl").write_bytes(old_file.path.read_bytes())
    through_publish = diff_datasets(release, {"procedures": new_file})
    in_memory = diff_datasets(release, {"procedures": [orjson.loads(line) for line in new_file.lines()]})
    assert through_publish.changes_jsonl() == in_memory.changes_jsonl()


def test_a_batch_without_its_marker_is_not_complete(tmp_path):
    parts = write_parts(tmp_path / "b", [_result("a.html", "procedure:a", 1), _result("b.html", None, 2)], 0.8)
    assert complete_parts(tmp_path / "b") == type(parts)(**{**parts.as_dict(), "reused": True})
    (tmp_path / "b" / COMPLETE).unlink()
    assert complete_parts(tmp_path / "b") is None
    write_parts(tmp_path / "b", [_result("a.html", "procedure:a", 1)], 0.8)  # rewritten: complete again
    (tmp_path / "b" / "pages.jsonl").unlink()  # a marker without its files is not trusted either
    assert complete_parts(tmp_path / "b") is None
