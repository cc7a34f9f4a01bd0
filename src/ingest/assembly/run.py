"""One build, Prefect-free: discover -> (unchanged?) -> extract batches into parts -> merge and publish.

`run_build` runs the steps in this process; flows/build.py wraps the same steps as Prefect
tasks (one task run per batch) and adds retries and artifacts, nothing else. The CLI's
no-Prefect fast path, tests/history/crash_driver.py and benchmarks call these functions.
A batch writes its results as parts under the output's staging folder (ingest.assembly.parts)
and returns only their summary; publishing merges the parts by streaming (ingest.assembly.assemble).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ingest import interrupts, progress
from ingest.assembly.finalize import BuildSummary, finalize_parts, summary_from_manifest
from ingest.assembly.gates import check_discovery, check_paths
from ingest.assembly.incremental import Fingerprint, PageRange, fingerprint_raw, listing_path, unchanged_release
from ingest.assembly.parts import BatchParts, batch_folder, complete_parts, staging_root, storage_errors, write_parts
from ingest.page.cache import ExtractionCache, extract_with_cache
from ingest.page.parallel import failed_batch, shutdown_pool
from ingest.release.layout import latest_release
from ingest.release.lock import out_lock
from ingest.settings import BuildSettings

Batch = PageRange  # a batch: lines of discovery's page list (its task reads the pages; the client holds none)


def discover(raw: Path, out: Path) -> Fingerprint:
    """Step 1: every current page under raw with the SHA-256 of its bytes (superseded versions counted),
    written to the page list in out's staging folder as the walk goes; InputRefused when raw holds no page
    (ingest.assembly.gates)."""
    with storage_errors(listing_path(Path(out))):
        fp = fingerprint_raw(Path(raw), Path(out))
    check_discovery(fp.count, fp.superseded, Path(raw), Path(out))
    interrupts.check("discover")
    return fp


def unchanged(out: Path, fp: Fingerprint, settings: BuildSettings,
              stage_seconds: dict[str, float]) -> BuildSummary | None:
    """Step 2: the latest release's summary when it was built from these inputs and settings, else None."""
    manifest = unchanged_release(Path(out), fp, settings)
    if manifest is None:
        return None
    Path(fp.listing).unlink(missing_ok=True)  # nothing to build: the page list is not needed
    with contextlib.suppress(OSError):  # nor its folder, when nothing else is in it (a resumable build's parts are)
        Path(fp.listing).parent.rmdir()
    return summary_from_manifest(manifest, latest_release(Path(out)), stage_seconds)


def batches(fp: Fingerprint, settings: BuildSettings) -> list[Batch]:
    """Step 3a: the pages in batches of settings.batch_size (the flow's unit of work): ranges of the page list."""
    return fp.ranges(settings.batch_size)


def extract_batch(batch: Batch, settings: BuildSettings, out: Path, use_cache: bool) -> BatchParts:
    """Step 3b: extract one batch into its parts (reusing cached results) and return their summary; a batch
    whose complete parts are already on disk (a resumed or retried build) is not redone, unless use_cache
    is off. Never raises for a bad page: it is quarantined."""
    interrupts.check("extract")
    pages = batch.pages()
    folder = batch_folder(staging_root(Path(out), settings), pages)
    if use_cache and (done := complete_parts(folder)) is not None:
        progress.report("extract", done.pages)
        return done
    cache = ExtractionCache.for_output(Path(out)) if use_cache else None
    try:
        results, hits = extract_with_cache(pages, settings, cache, on_progress=lambda n: progress.report("extract", n))
    finally:
        if cache is not None:
            cache.close()
    progress.report("cache_hits", hits)
    interrupts.check("extract")
    return write_parts(folder, results, settings.dedup_threshold)


def collect(outcomes: Iterable[tuple[Batch, BatchParts | None, str]], settings: BuildSettings,
            out: Path) -> list[BatchParts]:
    """Step 3c: every batch's parts; a batch that failed as a whole (None, with why) is quarantined page by
    page (its parts written here)."""
    interrupts.check("extract")  # batches stopped by an interrupt failed through no fault of their pages
    parts: list[BatchParts] = []
    for batch, batch_parts, why in outcomes:
        if batch_parts is None:
            pages = batch.pages()
            folder = batch_folder(staging_root(Path(out), settings), pages)
            batch_parts = write_parts(folder, failed_batch([ref for ref, _ in pages], why or "batch failed"),
                                      settings.dedup_threshold)
        parts.append(batch_parts)
    return parts


def publish(parts: list[BatchParts], out: Path, settings: BuildSettings, fp: Fingerprint, force: bool,
            stage_seconds: dict[str, float]) -> BuildSummary:
    """Step 4: merge the parts into datasets and publish the release atomically (ingest.assembly.finalize)."""
    interrupts.check("assemble")
    summary = finalize_parts(parts, Path(out), settings, fp, force=force, stage_seconds=stage_seconds)
    summary.batches = {"extracted": sum(not p.reused for p in parts), "reused": sum(p.reused for p in parts)}
    return summary


def run_build(raw: Path, out: Path, settings: BuildSettings | None = None, force: bool = False,
              use_cache: bool = True, on_unchanged: Callable[[BuildSummary], None] | None = None) -> BuildSummary:
    """Build and publish a release from the pages under raw into out, in this process (no Prefect).

    Unchanged inputs and settings publish nothing (the latest release's summary comes back);
    `force` rebuilds and publishes anyway, without the cache; `use_cache=False` re-extracts every page.
    Holds out's lock throughout (OutputLocked when another build or gc holds it, unless settings.wait)."""
    settings = settings or BuildSettings()
    check_paths(raw, out)
    raw, out = Path(raw).resolve(), Path(out).resolve()
    with out_lock(out, "build", wait=settings.wait):
        timings: dict[str, float] = {}
        started = time.perf_counter()
        fp = discover(raw, out)
        timings["discover"] = time.perf_counter() - started
        if not force and (summary := unchanged(out, fp, settings, timings)) is not None:
            return summary
        progress.report("extract", 0, fp.count)
        started = time.perf_counter()
        try:
            parts = collect(((batch, extract_batch(batch, settings, out, use_cache and not force), "")
                             for batch in batches(fp, settings)), settings, out)
        finally:
            shutdown_pool()
        timings["extract"] = time.perf_counter() - started
        return publish(parts, out, settings, fp, force, timings)
