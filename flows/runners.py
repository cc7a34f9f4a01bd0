"""Task runners: the default local one, or a dask.distributed cluster (prefect-dask)."""

from __future__ import annotations


def task_runner(dask_address: str | None = None, local_threads: int = 2):
    """A DaskTaskRunner for `dask_address` (e.g. tcp://scheduler:8786), else local threads.

    Locally, batches run in threads while each batch spreads its pages over worker
    processes (BeautifulSoup holds the GIL; Prefect's process-pool runner would need a
    running server). On Dask, each batch runs on a Dask worker, in that worker's process.
    """
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=local_threads)
