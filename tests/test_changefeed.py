"""changes.jsonl streamed as the diff runs (ingest.release.changefeed) is ReleaseDiff's, byte for byte.

Old and new datasets are generated: sorted as a build writes them or shuffled (the index path), with
repeated ids (adjacent or not), records without an id, missing files, datasets in memory; the feed's
bytes, counts and biggest changes must equal ReleaseDiff's (diff_datasets, the in-memory diff kept for
`ingest diff`), whatever the path each dataset takes.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.jsonl import RecordsFile, write_lines
from ingest.release.changefeed import ChangeFeed, change_lines
from ingest.release.diff import diff_datasets

ids = st.sampled_from(["a", "b", "b#2", "c", "d", "e", "a!", "a#2"])
records = st.lists(st.fixed_dictionaries({"id": ids}, optional={"title": st.sampled_from(["x", "y"]),
                                                                "risks": st.lists(st.sampled_from(["r", "s"]), max_size=2)}),
                   max_size=8)
in_order = st.booleans()


def _write(path: Path, rows: list[dict], ordered: bool) -> RecordsFile:
    rows = sorted(rows, key=lambda r: r["id"]) if ordered else rows
    return write_lines(path, (orjson.dumps(r) for r in rows))


@settings(max_examples=120, deadline=None)
@given(old=st.dictionaries(st.sampled_from(["procedures", "terms", "codes"]), st.tuples(records, in_order), max_size=3),
       new=st.dictionaries(st.sampled_from(["procedures", "terms", "notes"]), st.tuples(records, in_order, st.booleans()),
                           max_size=3))
def test_the_streamed_change_feed_is_release_diffs(tmp_path_factory, old, new):
    tmp = tmp_path_factory.mktemp("feed")
    old_dir = tmp / "old"
    old_dir.mkdir()
    for name, (rows, ordered) in old.items():
        _write(old_dir / f"{name}.jsonl", rows, ordered)
    datasets = {}
    for name, (rows, ordered, as_file) in new.items():
        datasets[name] = _write(tmp / f"{name}.jsonl", rows, ordered) if as_file else rows
    reference = diff_datasets(old_dir, datasets, "new")
    feed = ChangeFeed("old", "new")
    written = b"".join(line + b"\n" for line in change_lines(feed, old_dir, datasets, tmp / ".spill"))
    assert written == reference.changes_jsonl()
    assert feed.summary() == reference.summary()
    assert feed.largest() == reference.largest()
    assert feed.largest(2) == reference.largest(2)
    assert not (tmp / ".spill").exists()


def test_a_first_release_has_every_record_added_without_holding_their_ids(tmp_path):
    new = {"procedures": _write(tmp_path / "procedures.jsonl", [{"id": f"p{i:04d}"} for i in range(500)], True)}
    feed = ChangeFeed(None, "new", limit=5)
    lines = [orjson.loads(line) for line in change_lines(feed, None, new, tmp_path / ".spill")]
    assert [line["id"] for line in lines] == [f"p{i:04d}" for i in range(500)]
    assert feed.summary() == {"procedures": {"added": 500, "removed": 0, "changed": 0}}
    assert [c["id"] for c in feed.largest()] == ["p0000", "p0001", "p0002", "p0003", "p0004"]
    assert len(feed._big) < 4 * 5  # trimmed as it went, not one entry a record
