"""Run the per-page stage over many pages on all cores.

BeautifulSoup work is CPU-bound and holds the GIL, so pages go to worker
processes (forkserver: workers fork from a process that has already imported
the extractor). A worker that dies takes only its own pages down: they are
retried one by one and the page that kills a worker again is quarantined.
Workers ignore SIGINT (a Ctrl-C reaches the whole process group): the build decides, and on
an interrupt (ingest.interrupts) stops them itself; results are thrown away, nothing is published.
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from ingest import faults, interrupts
from ingest.memory import release_free_memory
from ingest.page.acquire import PageRef
from ingest.models import QuarantineEntry
from ingest.page.process import PageResult, process_page
from ingest.settings import BuildSettings

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_pools: list[ProcessPoolExecutor] = []  # every pool not yet shut down (an interrupt stops all their workers)


_pool_lock = threading.RLock()  # batches run in threads (the flow's task runner): one pool for all of them


def _get_pool(workers: int) -> ProcessPoolExecutor:
    """The process pool, started by the first batch that needs it. Under the lock: two batches starting
    at once each made a pool, and the one overwritten kept its worker (~120 MB) alive to the end."""
    global _pool, _pool_workers
    with _pool_lock:
        if _pool is None or _pool_workers != workers:
            shutdown_pool()
            interrupts.check("extract")  # no new workers once a stop was asked for
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["ingest.page.process"])
            _start_forkserver()
            _pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
            _pool_workers = workers
            _pools.append(_pool)
        return _pool


def _start_forkserver() -> None:
    """Start multiprocessing's forkserver with SIGINT blocked: it imports the extractor before it ignores
    SIGINT itself, and a Ctrl-C to the process group in that window would end it with a traceback."""
    from multiprocessing import forkserver, resource_tracker

    resource_tracker.ensure_running()  # first: starting it unblocks SIGINT in the calling thread
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _signal_workers(signum: int) -> None:
    """Send signum to the worker processes (an interrupt: their pages will not be used)."""
    for pool in list(_pools):
        for process in list((getattr(pool, "_processes", None) or {}).values()):  # the executor's pid -> Process
            try:
                os.kill(process.pid, signum)
            except (ProcessLookupError, TypeError):
                pass


def shutdown_pool() -> None:
    """Stop the worker processes of every pool not yet shut down (called at exit; safe to call twice)."""
    global _pool
    with _pool_lock:
        _pool = None
        for pool in list(_pools):
            pool.shutdown(wait=True, cancel_futures=True)
            _pools.remove(pool)


atexit.register(shutdown_pool)
interrupts.when_stopping(lambda: _signal_workers(signal.SIGTERM))  # the waits on them return at once


def _abandon_pools() -> None:
    """Before this process exits at once (os._exit: no atexit, no finalizers): kill the workers and free
    the pools' named semaphores, which the resource tracker would otherwise report as leaked."""
    _signal_workers(signal.SIGKILL)
    if _pools:
        multiprocessing.util._run_finalizers(0)  # what multiprocessing runs at a normal exit (SemLock cleanup)


interrupts.before_exit(_abandon_pools)


def _run_chunk(refs: Sequence[PageRef], settings: BuildSettings) -> list[PageResult]:
    with relaxed_gc():
        results = [process_page(ref, settings) for ref in refs]
    release_free_memory()  # a big page's parse tree, freed, would keep the worker at its size for the whole build
    return results


_gc_lock = threading.Lock()
_gc_holders = 0  # extractions running in this process under the relaxed threshold
_gc_saved: tuple[int, ...] = ()


@contextmanager
def relaxed_gc():
    """Run the cycle collector rarely: parse trees are freed explicitly (soup.decompose()),
    and the collector otherwise costs ~20% of BeautifulSoup's time. The threshold is the
    process's: with batches in threads (the flow's task runner), the first to enter sets it
    and the last to leave restores it (a batch ending must not reset it under another)."""
    global _gc_holders, _gc_saved
    with _gc_lock:
        if _gc_holders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(50_000, 20, 100)
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0:
                gc.set_threshold(*_gc_saved)


def extract_pages(refs: Sequence[PageRef], settings: BuildSettings,
                  on_progress: Callable[[int], None] | None = None) -> list[PageResult]:
    """PageResults for refs, sorted by path, using settings.workers processes (0: in this process)."""
    progress = on_progress or (lambda n: None)
    if settings.workers <= 0 or len(refs) <= settings.chunk_size:
        results = []
        with relaxed_gc():
            for ref in refs:
                interrupts.check("extract")
                results.append(process_page(ref, settings))
                progress(1)
                faults.checkpoint("extract.batch")
        release_free_memory()  # in this process (a dask worker's, or --workers 0): once a batch
        return sorted(results, key=lambda r: r.rel_path)
    chunks = [refs[i:i + settings.chunk_size] for i in range(0, len(refs), settings.chunk_size)]
    interrupts.check("extract")
    results, failed = _submit(chunks, settings, progress)
    interrupts.check("extract")  # chunks fail when their stopped workers die: not a page's fault
    for ref in failed:  # isolate pages of chunks whose worker died
        retry, still_failed = _submit([[ref]], settings, progress)
        results.extend(retry)
        for dead in still_failed:
            results.append(_crashed(dead))
            progress(1)
    return sorted(results, key=lambda r: r.rel_path)


def _submit(chunks: list[Sequence[PageRef]], settings: BuildSettings,
            progress: Callable[[int], None]) -> tuple[list[PageResult], list[PageRef]]:
    pool = _get_pool(settings.workers)
    futures: list[tuple[Future, Sequence[PageRef]]] = [(pool.submit(_run_chunk, c, settings), c) for c in chunks]
    results: list[PageResult] = []
    failed: list[PageRef] = []
    for future, chunk in futures:
        try:
            results.extend(future.result())
            progress(len(chunk))
            faults.checkpoint("extract.batch")
        except BrokenProcessPool:
            failed.extend(chunk)
    if failed:
        shutdown_pool()  # a broken pool cannot be reused
    return results, failed


def failed_batch(refs: Sequence[PageRef], detail: str) -> list[PageResult]:
    """Quarantine entries for the pages of a batch that failed as a whole (after its retries)."""
    out = []
    for ref in refs:
        entry = QuarantineEntry(path=ref.rel_path, size=max(ref.size, 0), reason="internal_error",
                                detail=f"the batch holding this page failed: {detail}"[:500], uri=ref.url)
        out.append(PageResult(ref.rel_path, None, quarantine=entry.model_dump(mode="json"), ref=ref))
    return out


def _crashed(ref: PageRef) -> PageResult:
    entry = QuarantineEntry(path=ref.rel_path, size=max(ref.size, 0), reason="worker_crash",
                            detail="the extraction process died twice on this page", uri=ref.url)
    return PageResult(ref.rel_path, None, quarantine=entry.model_dump(mode="json"), ref=ref)
