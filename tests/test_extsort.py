"""The external sort behind codes.jsonl and entities.jsonl: the same order as sorted() (stable), whatever
the run size, with its run files on disk only while it is read."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.assembly.extsort import external_sorted, grouped

ROWS = st.lists(st.tuples(st.text(max_size=3), st.integers(-5, 5)).map(list), max_size=60)


def _key(row: list) -> str:
    return row[0]


@settings(max_examples=150, deadline=None)
@given(rows=ROWS, run_rows=st.integers(1, 8))
def test_external_sort_is_a_stable_sort_whatever_the_run_size(tmp_path_factory, rows, run_rows):
    work = tmp_path_factory.mktemp("sort")
    # the row's position rides along so that stability is checked, not only the keys' order
    numbered = [[*row, i] for i, row in enumerate(rows)]
    assert list(external_sorted(numbered, _key, work, run_rows)) == sorted(numbered, key=_key)
    assert list(work.iterdir()) == []  # the runs are gone once read


@settings(max_examples=100, deadline=None)
@given(rows=ROWS, run_rows=st.integers(1, 8))
def test_grouped_gives_each_key_once_with_its_rows_in_input_order(tmp_path_factory, rows, run_rows):
    work = tmp_path_factory.mktemp("group")
    expected = [(k, list(g)) for k, g in itertools.groupby(sorted(rows, key=_key), key=_key)]
    assert list(grouped(rows, _key, work, run_rows)) == expected


def test_rows_beyond_one_run_are_sorted_on_disk_and_the_runs_removed_when_the_reader_stops(tmp_path: Path):
    rows = [[f"{i % 7}", i] for i in range(100)]
    reader = external_sorted(rows, _key, tmp_path, run_rows=10)
    assert next(reader) == ["0", 0]
    (folder,) = tmp_path.iterdir()
    assert len(list(folder.iterdir())) == 10  # ten runs of ten rows
    reader.close()
    assert list(tmp_path.iterdir()) == []


def test_a_build_sorting_its_indexes_on_disk_publishes_the_same_codes_and_entities(tmp_path: Path, monkeypatch):
    """The sample built twice: indexes sorted in memory (one run) and in runs of three rows on disk."""
    from ingest.assembly import extsort
    from ingest.assembly.run import run_build
    from ingest.settings import BuildSettings

    raw = Path(__file__).resolve().parents[1] / "raw"
    built = {}
    for run_rows in (None, 3):
        if run_rows:
            monkeypatch.setattr(extsort, "RUN_ROWS", run_rows)
        summary = run_build(raw, tmp_path / f"out-{run_rows}", BuildSettings(workers=0))
        release = Path(summary.release_path)
        built[run_rows] = {name: (release / name).read_bytes() for name in ("codes.jsonl", "entities.jsonl")}
    assert all(data.count(b"\n") > 3 for data in built[3].values())  # more than one run: the disk path ran
    assert built[3] == built[None]
