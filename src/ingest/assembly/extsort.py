"""External sort: rows sorted and grouped by a key with memory bounded by a run, not by the corpus.

Rows (JSON-serialisable lists) are sorted in runs of `run_rows`; a run that fills is written to a
file under the work folder (one orjson line a row) and the runs are merged back with heapq.merge.
Rows that fit in one run never touch the disk (small builds pay nothing). Ties keep input order
(runs are consecutive slices of the input, sorted stably, and heapq.merge prefers earlier runs).
"""

from __future__ import annotations

import heapq
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

RUN_ROWS = 20_000  # rows held at once: a few MB whatever the corpus


def _read(path: Path) -> Iterator[list]:
    with open(path, "rb") as fh:
        for line in fh:
            yield orjson.loads(line)


def external_sorted(rows: Iterable[list], key: Callable[[list], Any], work: Path,
                    run_rows: int | None = None) -> Iterator[list]:
    """rows sorted by key (stable), holding at most run_rows of them (default RUN_ROWS); run files live
    in a temporary folder under work, removed when the iterator is exhausted or closed."""
    run_rows = run_rows or RUN_ROWS
    it = iter(rows)
    first = sorted(itertools.islice(it, run_rows), key=key)
    if len(first) < run_rows:
        yield from first
        return
    Path(work).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="sort-", dir=work))
    try:
        files = []
        run = first
        while run:
            files.append(folder / f"run-{len(files):06d}.jsonl")
            with open(files[-1], "wb") as fh:
                fh.writelines(orjson.dumps(row) + b"\n" for row in run)
            run = sorted(itertools.islice(it, run_rows), key=key)
        del first, run
        yield from heapq.merge(*(_read(f) for f in files), key=key)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def grouped(rows: Iterable[list], key: Callable[[list], Any], work: Path,
            run_rows: int | None = None) -> Iterator[tuple[Any, list[list]]]:
    """(key, its rows in input order) for every key, in key order: one group held at a time."""
    for k, group in itertools.groupby(external_sorted(rows, key, work, run_rows), key=key):
        yield k, list(group)
