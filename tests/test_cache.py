"""The extraction cache keeps what a page's bytes decide and forgets what one run's luck decided."""

from __future__ import annotations

from ingest.page.cache import ExtractionCache
from ingest.errors import REASONS, TRANSIENT_REASONS
from ingest.page.process import PageResult


def test_transient_quarantine_outcomes_are_never_cached(tmp_path):
    cache = ExtractionCache(tmp_path / "cache.sqlite")
    results = [(r.code, PageResult(f"{r.code}.html", "0" * 64, quarantine={"reason": r.code, "detail": r.description}))
               for r in REASONS]
    cache.put_many(results)
    stored = set(cache.get_many([key for key, _ in results]))
    cache.close()
    assert stored == {r.code for r in REASONS if not r.transient}
    assert {"timeout", "worker_crash"} <= TRANSIENT_REASONS  # a time limit hit under load, a killed worker
    assert not TRANSIENT_REASONS & {"empty", "binary", "undecodable", "unsupported_page_type"}  # the bytes decide
