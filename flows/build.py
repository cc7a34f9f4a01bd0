"""The `build` flow: raw pages -> validated records -> a published JSONL release.

Thin Prefect tasks around the steps of ingest.assembly.run (the same build without Prefect).
Pages are processed in batches (one task run per batch, never per page: a task run
costs milliseconds of orchestration, far more than extracting a page); inside a
batch the library spreads pages over worker processes and reuses cached results.
"""

from __future__ import annotations

import inspect
import time
from pathlib import Path

from flows import prefect_env

prefect_env.apply(quiet=False)

from prefect import flow, get_run_logger, task, unmapped  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import wait  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from flows.artifacts import publish_artifacts  # noqa: E402
from flows.ephemeral import kill_temporary_server  # noqa: E402,F401 - killed before a build exits at once
from flows.runners import task_runner  # noqa: E402

from ingest import interrupts, progress  # noqa: E402
from ingest.assembly import run  # noqa: E402
from ingest.assembly.gates import check_paths  # noqa: E402
from ingest.errors import RunError, is_retryable  # noqa: E402
from ingest.assembly.incremental import Fingerprint  # noqa: E402
from ingest.release.lock import out_lock  # noqa: E402
from ingest.page.parallel import shutdown_pool  # noqa: E402
from ingest.assembly.parts import BatchParts  # noqa: E402
from ingest.settings import DEFAULT_OUT, DEFAULT_RAW, BuildSettings, settings_parameters  # noqa: E402


def _retry_transient(task, task_run, state) -> bool:
    """Retry disk trouble, never a run error (a publish refusal, a breaking schema change, a full disk), a
    denied permission nor an interrupt: another attempt would fail the same way (ingest.errors.is_retryable)."""
    error = getattr(state, "data", None)
    return is_retryable(error) and not isinstance(error, interrupts.Interrupted)


DISK_RETRIES = {"retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=1), "retry_jitter_factor": 0.5,
                "retry_condition_fn": _retry_transient}


@task(name="discover-pages", cache_policy=NO_CACHE, **DISK_RETRIES)
def discover_task(raw: str, out: str) -> Fingerprint:
    """Every current page under the raw folder, with the SHA-256 of its bytes (superseded versions counted)."""
    return run.discover(Path(raw), Path(out))


@task(name="extract-batch", cache_policy=NO_CACHE, **DISK_RETRIES)
def extract_task(batch: run.Batch, settings: BuildSettings, out: str, use_cache: bool) -> BatchParts:
    """Extract one batch of pages (a range of discovery's page list, read here) into its parts under the
    output's staging folder; returns their summary (never raises for a bad page: it is quarantined)."""
    return run.extract_batch(batch, settings, Path(out), use_cache)


@task(name="publish-release", cache_policy=NO_CACHE, **DISK_RETRIES)
def publish_task(parts: list[BatchParts], out: str, settings: BuildSettings, fp: Fingerprint, force: bool,
                 stage_seconds: dict) -> dict:
    """Merge the batches' parts into the datasets and publish the release atomically."""
    return run.publish(parts, Path(out), settings, fp, force, stage_seconds).as_dict()


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def artifacts_task(summary: dict) -> None:
    """The run's markdown summary and biggest-changes table, for the Prefect UI."""
    publish_artifacts(summary)


def _build(raw: str = DEFAULT_RAW, out: str = DEFAULT_OUT, force: bool = False, use_cache: bool = True,
           **settings) -> dict:
    """Build and publish a release from the pages under `raw` into `out`.

    A rerun with unchanged inputs and settings publishes nothing and says so;
    `force` rebuilds and publishes anyway, `use_cache=False` re-extracts every page;
    the other parameters are the fields of ingest.settings.BuildSettings (e.g. `strict`
    refuses to publish when a site's field coverage dropped by more than `drift_margin`)."""
    check_paths(raw, out)
    raw, out = str(Path(raw).resolve()), str(Path(out).resolve())  # task runs may execute elsewhere (Dask workers)
    settings = BuildSettings.from_given(settings)
    with out_lock(Path(out), "build", wait=settings.wait,  # until latest is switched (re-entrant: the CLI holds it too)
                  on_wait=lambda line: get_run_logger().warning(line)):
        return _build_locked(raw, out, force, use_cache, settings)


def _build_locked(raw: str, out: str, force: bool, use_cache: bool, settings: BuildSettings) -> dict:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    fp = discover_task(raw, out)
    timings["discover"] = time.perf_counter() - started
    if not force and (unchanged := run.unchanged(Path(out), fp, settings, timings)) is not None:
        summary = unchanged.as_dict()
        artifacts_task(summary)
        return summary
    progress.report("extract", 0, fp.count)
    started = time.perf_counter()
    batches = run.batches(fp, settings)
    try:
        # batches are ranges of the page list (4 numbers each): Prefect's walk of them costs nothing
        futures = extract_task.map(batches, settings=unmapped(settings), out=unmapped(out),
                                   use_cache=unmapped(use_cache and not force))
        wait(futures)
        # a batch that failed all its retries: its pages are quarantined, other batches go on
        parts = run.collect(((batch, future.result() if future.state.is_completed() else _failed(future),
                              future.state.message or "batch failed") for batch, future in zip(batches, futures)),
                            settings, Path(out))
    finally:
        shutdown_pool()
    timings["extract"] = time.perf_counter() - started
    # quote(): Prefect would otherwise walk (and copy) every summary looking for futures
    summary = publish_task(quote(parts), out, settings, fp, force, timings)
    artifacts_task(summary)
    return summary


def _failed(future) -> None:
    """A batch that failed all its retries: None (its pages are quarantined), unless it failed for the whole
    run (a full disk, a denied write: ingest.errors.RunError), which stops the run."""
    exc = future.state.result(raise_on_failure=False)
    if isinstance(exc, RunError):
        raise exc
    return None


def flow_signature(fn) -> inspect.Signature:
    """fn's own parameters, then one keyword per BuildSettings field (its **settings) with the model's default:
    what Prefect shows, validates and stores as the flow's parameters."""
    own = [p for p in inspect.signature(fn, eval_str=True).parameters.values()
           if p.kind != inspect.Parameter.VAR_KEYWORD]
    return inspect.Signature([*own, *settings_parameters()], return_annotation=dict)


_build.__signature__ = flow_signature(_build)  # type: ignore[attr-defined]
build = flow(name="build", log_prints=False, validate_parameters=False, task_runner=task_runner())(_build)
