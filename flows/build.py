"""The `build` flow: raw pages -> validated records -> a published JSONL release.

Pages are processed in batches (one task run per batch, never per page: a task run
costs milliseconds of orchestration, far more than extracting a page); inside a
batch the library spreads pages over worker processes and reuses cached results.
"""

from __future__ import annotations

import time
from pathlib import Path

from flows import prefect_env

prefect_env.apply(quiet=False)

from prefect import flow, task, unmapped  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import wait  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from flows.artifacts import publish_artifacts  # noqa: E402
from flows.runners import task_runner  # noqa: E402

from ingest import progress  # noqa: E402
from ingest.acquire import PageRef  # noqa: E402
from ingest.cache import ExtractionCache, extract_with_cache  # noqa: E402
from ingest.incremental import Fingerprint, build_key, fingerprint_raw, unchanged_release  # noqa: E402
from ingest.parallel import failed_batch, shutdown_pool  # noqa: E402
from ingest.pipeline import PageResult  # noqa: E402
from ingest.build.finalize import DriftError, finalize, summary_from_manifest  # noqa: E402
from ingest.release.contract import SchemaContractError  # noqa: E402
from ingest.release.layout import latest_release  # noqa: E402
from ingest.settings import BuildSettings  # noqa: E402

DISK_RETRIES = {"retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=1), "retry_jitter_factor": 0.5}


@task(name="discover-pages", cache_policy=NO_CACHE, **DISK_RETRIES)
def discover_task(raw: str, out: str) -> Fingerprint:
    """Every current page under the raw folder, with the SHA-256 of its bytes (superseded versions counted)."""
    return fingerprint_raw(Path(raw), Path(out))


@task(name="extract-batch", cache_policy=NO_CACHE, **DISK_RETRIES)
def extract_task(pages: list[tuple[PageRef, str | None]], settings: BuildSettings, out: str, use_cache: bool) -> list[PageResult]:
    """Extract one batch of pages (never raises for a bad page: it is quarantined)."""
    cache = ExtractionCache.for_output(Path(out)) if use_cache else None
    try:
        results, hits = extract_with_cache(pages, settings, cache, on_progress=lambda n: progress.report("extract", n))
    finally:
        if cache is not None:
            cache.close()
    progress.report("cache_hits", hits)
    return results


def _retry_unless_refused(task, task_run, state) -> bool:
    """Retry disk trouble, never a refusal to publish (a breaking schema change, layout drift under
    --strict): another attempt would assemble everything again and be refused again."""
    return not isinstance(getattr(state, "data", None), (SchemaContractError, DriftError))


@task(name="publish-release", cache_policy=NO_CACHE, retry_condition_fn=_retry_unless_refused, **DISK_RETRIES)
def publish_task(results: list[PageResult], out: str, force: bool, stage_seconds: dict, settings: BuildSettings,
                 fp_digest: str, strict: bool, superseded: int = 0) -> dict:
    """Assemble the datasets and publish the release atomically."""
    return finalize(results, Path(out), force=force, stage_seconds=stage_seconds, dedup_threshold=settings.dedup_threshold,
                    inputs={"pages": len(results), "digest": fp_digest, "superseded": superseded}, build=build_key(settings),
                    strict=strict, drift_margin=settings.drift_margin).as_dict()


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def artifacts_task(summary: dict) -> None:
    """The run's markdown summary and biggest-changes table, for the Prefect UI."""
    publish_artifacts(summary)


@flow(name="build", log_prints=False, validate_parameters=False, task_runner=task_runner())
def build(raw: str = "raw", out: str = "normalized", batch_size: int = 500, workers: int | None = None,
          force: bool = False, max_page_bytes: int = 5_000_000, page_time_limit: float = 10.0,
          dedup_threshold: float = 0.8, use_cache: bool = True, strict: bool = False,
          drift_margin: float = 0.2) -> dict:
    """Build and publish a release from the pages under `raw` into `out`.

    A rerun with unchanged inputs and settings publishes nothing and says so;
    `force` rebuilds and publishes anyway, `use_cache=False` re-extracts every page;
    `strict` refuses to publish when a site's field coverage dropped by more than
    `drift_margin` (layout drift)."""
    raw, out = str(Path(raw).resolve()), str(Path(out).resolve())  # task runs may execute elsewhere (Dask workers)
    settings = BuildSettings(batch_size=batch_size, max_page_bytes=max_page_bytes, page_time_limit=page_time_limit,
                             dedup_threshold=dedup_threshold, drift_margin=drift_margin,
                             **({"workers": workers} if workers is not None else {}))
    timings: dict[str, float] = {}
    started = time.perf_counter()
    fp = discover_task(raw, out)
    timings["discover"] = time.perf_counter() - started
    if not force and (manifest := unchanged_release(Path(out), fp, settings)) is not None:
        summary = summary_from_manifest(manifest, latest_release(Path(out)), timings).as_dict()
        artifacts_task(summary)
        return summary
    progress.report("extract", 0, len(fp.pages))
    started = time.perf_counter()
    results: list[PageResult] = []
    batches = [fp.pages[i:i + settings.batch_size] for i in range(0, len(fp.pages), settings.batch_size)]
    try:
        futures = extract_task.map(batches, settings=unmapped(settings), out=unmapped(out),
                                   use_cache=unmapped(use_cache and not force))
        wait(futures)
        for batch, future in zip(batches, futures):
            if future.state.is_completed():
                results.extend(future.result())
            else:  # a batch that failed all its retries: its pages are quarantined, other batches go on
                results.extend(failed_batch([ref for ref, _ in batch], future.state.message or "batch failed"))
    finally:
        shutdown_pool()
    timings["extract"] = time.perf_counter() - started
    # quote(): Prefect would otherwise walk (and copy) every result looking for futures, ~1.4 ms a page
    summary = publish_task(quote(results), out, force, timings, settings, fp.digest, strict, fp.superseded)
    artifacts_task(summary)
    return summary
