"""The `build` flow: raw pages -> validated records -> a published JSONL release.

Pages are processed in batches (one task run per batch, never per page: a task run
costs milliseconds of orchestration, far more than extracting a page); inside a
batch the library spreads pages over worker processes.
"""

from __future__ import annotations

import time
from pathlib import Path

from flows import prefect_env

prefect_env.apply(quiet=False)

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from ingest import progress  # noqa: E402
from ingest.acquire import PageRef, discover_pages  # noqa: E402
from ingest.parallel import extract_pages, shutdown_pool  # noqa: E402
from ingest.pipeline import PageResult  # noqa: E402
from ingest.release import finalize  # noqa: E402
from ingest.settings import BuildSettings  # noqa: E402


@task(name="discover-pages", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def discover_task(raw: str) -> list[PageRef]:
    """Every page under the raw folder."""
    return list(discover_pages(Path(raw)))


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_task(refs: list[PageRef], settings: BuildSettings) -> list[PageResult]:
    """Extract one batch of pages (never raises for a bad page: it is quarantined)."""
    return extract_pages(refs, settings, on_progress=lambda n: progress.report("extract", n))


@task(name="publish-release", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def publish_task(results: list[PageResult], out: str, force: bool, stage_seconds: dict) -> dict:
    """Assemble the datasets and publish the release atomically."""
    return finalize(results, Path(out), force=force, stage_seconds=stage_seconds).as_dict()


@flow(name="build", log_prints=False, validate_parameters=False)
def build(raw: str = "raw", out: str = "normalized", batch_size: int = 500, workers: int | None = None,
          force: bool = False, max_page_bytes: int = 5_000_000, page_time_limit: float = 10.0) -> dict:
    """Build and publish a release from the pages under `raw` into `out`."""
    settings = BuildSettings(batch_size=batch_size, max_page_bytes=max_page_bytes, page_time_limit=page_time_limit,
                             **({"workers": workers} if workers is not None else {}))
    timings: dict[str, float] = {}
    started = time.perf_counter()
    refs = discover_task(raw)
    timings["discover"] = time.perf_counter() - started
    progress.report("extract", 0, len(refs))
    started = time.perf_counter()
    results: list[PageResult] = []
    try:
        for i in range(0, len(refs), settings.batch_size):
            results.extend(extract_task(refs[i:i + settings.batch_size], settings))
    finally:
        shutdown_pool()
    timings["extract"] = time.perf_counter() - started
    return publish_task(results, out, force, timings)
