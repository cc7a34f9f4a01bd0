"""A page past its time limit ends as a timeout even when the exception that stops it lands where it
cannot propagate: in a garbage-collector callback or a finalizer, Python prints "Exception ignored in"
and the page runs on (CI saw it in dask's GC diagnostics, and the page became a record)."""

from __future__ import annotations

import threading
import time

import pytest

from ingest.page.limits import PageTimeout, time_limit


def _work_that_swallows_the_limit(seconds: float) -> None:
    """Busy Python work in which every PageTimeout lands in code that drops it (as a gc callback does)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            sum(range(200))
        except PageTimeout:
            pass


def _outcome(limit: float, work: float) -> str:
    try:
        with time_limit(limit):
            _work_that_swallows_the_limit(work)
    except PageTimeout:
        return "timeout"
    return "finished"


def _in_a_thread(limit: float, work: float) -> str:
    found: list[str] = []
    thread = threading.Thread(target=lambda: found.append(_outcome(limit, work)))
    thread.start()
    thread.join()
    return found[0]


@pytest.mark.parametrize("where", ["main thread", "worker thread"])
def test_a_swallowed_limit_still_ends_as_a_timeout(where):
    run = _outcome if where == "main thread" else _in_a_thread
    assert run(0.1, 0.6) == "timeout"


@pytest.mark.parametrize("where", ["main thread", "worker thread"])
def test_a_page_within_its_limit_finishes(where):
    run = _outcome if where == "main thread" else _in_a_thread
    assert run(5.0, 0.05) == "finished"
    time.sleep(0.1)  # nothing is raised after the block, in this thread or later
