"""relaxed_gc around extractions that overlap in threads (the flow runs batches in two threads):
the collector stays relaxed until the last one ends, then the process's own threshold is back."""

from __future__ import annotations

import gc
import threading

from ingest.page.parallel import relaxed_gc


def test_overlapping_batches_keep_the_relaxed_threshold_until_the_last_ends():
    original = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with relaxed_gc():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with relaxed_gc():
            second_in.set()
            first_out.wait(10)
            seen["after the first ended"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen["after the first ended"] == (50_000, 20, 100)
    assert gc.get_threshold() == original


def test_nested_use_in_one_thread_restores_the_threshold():
    original = gc.get_threshold()
    with relaxed_gc():
        with relaxed_gc():
            assert gc.get_threshold()[0] == 50_000
        assert gc.get_threshold()[0] == 50_000
    assert gc.get_threshold() == original
