"""A worker process gives the memory of a big page back once its chunk is done (glibc's malloc_trim):
without it, every extract worker stays at the size of the biggest page it ever parsed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ingest import memory
from ingest.page import parallel

SCRIPT = r"""
import sys
from pathlib import Path
from ingest.page.acquire import discover_pages
import ingest.memory as memory
import ingest.page.parallel as par
from ingest.settings import BuildSettings

def rss_mb():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024

folder = Path(sys.argv[1])
sections = "".join(f"<h2>Risks {i}</h2><ul>" + "<li>bleeding or infection after the operation</li>" * 20 + "</ul>"
                   for i in range(3000))
(folder / "big.html").write_text(f"<html><body><h1>Knee replacement</h1>{sections}</body></html>")
if sys.argv[2] == "off":
    memory._trim = None
par._run_chunk(list(discover_pages(folder)), BuildSettings(workers=0, page_time_limit=600))
print(rss_mb())
"""


def _rss_after_a_big_page(tmp_path, mode: str) -> int:
    folder = tmp_path / mode
    folder.mkdir()
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), mode], capture_output=True, text=True,
                          timeout=600, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(memory._trim is None, reason="not glibc: no malloc_trim")
def test_a_worker_returns_a_big_pages_memory_after_its_chunk(tmp_path):
    kept, returned = _rss_after_a_big_page(tmp_path, "off"), _rss_after_a_big_page(tmp_path, "on")
    assert returned < kept - 15, (kept, returned)  # ~45 MB less here for a 2.8 MB page


def test_batches_that_start_together_share_one_pool_and_leave_no_worker_behind():
    """The flow runs batches in threads: the first two both found no pool and each started one; the one
    overwritten kept a worker process for the whole build (seen as ~115 MB of 'extract workers' in assemble)."""
    import threading

    barrier, pools = threading.Barrier(4), []

    def start() -> None:
        barrier.wait()
        pools.append(parallel._get_pool(2))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len({id(pool) for pool in pools}) == 1 and len(parallel._pools) == 1
    finally:
        parallel.shutdown_pool()
    assert parallel._pools == []
