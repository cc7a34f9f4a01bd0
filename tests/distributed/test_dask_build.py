"""`ingest build --dask` on a real cluster (Prefect server + dask scheduler + 2 worker processes).

The distributed build must publish byte-for-byte the same datasets as a single-process build,
and the extraction must really have run on the dask workers (not silently in the flow's process).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ingest.page.acquire import discover_pages
from ingest.release.layout import verify_release
from tests.conftest import RAW_SAMPLE
from tests.distributed.conftest import Cluster

INGEST = str(Path(sys.executable).parent / "ingest")
BATCH_SIZE = 5  # the 25 sample pages -> 5 batches, so both workers get some
DATASETS = ("procedures", "terms", "billing", "codes", "quarantine", "duplicates")
BUILD_TIMEOUT = 150

pytestmark = pytest.mark.slow


def ingest_build(cluster: Cluster, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`ingest build ...` as a user runs it, pointed at the session's Prefect server."""
    cmd = [INGEST, "build", "--batch-size", str(BATCH_SIZE), *args]
    proc = subprocess.Popen(cmd, cwd=cwd, env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} took over {BUILD_TIMEOUT} s\n{out}\n{err}\n{cluster.diagnostics()}")
    result = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{out}\n{err}\n{cluster.diagnostics()}"
    return result


def executed_on_workers(cluster: Cluster) -> dict[str, set[str]]:
    """Per dask worker, the keys of the extract tasks it computed (executing -> memory)."""
    from distributed import Client

    def done(dask_worker) -> set[str]:
        return {entry[0] for entry in dask_worker.state.log
                if len(entry) > 2 and isinstance(entry[0], str) and entry[0].startswith("extract_task-")
                and entry[1] == "executing" and entry[2] == "memory"}

    with Client(cluster.scheduler, timeout=30) as client:
        return client.run(done)


def task_runs_of(cluster: Cluster, out: Path) -> list[dict]:
    """The Prefect server's task runs of the `build` flow run that wrote to `out`."""
    api = cluster.api_url
    runs = httpx.post(f"{api}/flow_runs/filter", json={"flows": {"name": {"any_": ["build"]}}}, timeout=30).json()
    mine = [r for r in runs if r["parameters"].get("out") == str(out)]
    assert len(mine) == 1, f"expected one flow run with out={out}, got {[r['parameters'] for r in runs]}"
    assert mine[0]["state_type"] == "COMPLETED", mine[0]["state_type"]
    return httpx.post(f"{api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [mine[0]["id"]]}}},
                      timeout=30).json()


@pytest.fixture(scope="module")
def raw_copy(cluster: Cluster) -> Path:
    """A private copy of raw/ (other engineers may edit the repository's while we run)."""
    dest = cluster.base / "raw"
    if not dest.exists():
        shutil.copytree(RAW_SAMPLE, dest)
    return dest


@pytest.fixture(scope="module")
def local_release(cluster: Cluster, raw_copy: Path) -> Path:
    """The reference: a single-process build of the same pages (same server, same batch size)."""
    out = cluster.base / "local-out"
    ingest_build(cluster, cluster.base, "--raw", str(raw_copy), "--out", str(out), "--workers", "0")
    release = out / "latest"
    assert verify_release(release) == []
    return release


def assert_same_datasets(got: Path, want: Path) -> None:
    names = sorted(p.name for p in want.glob("*.jsonl"))
    assert {f"{d}.jsonl" for d in DATASETS} <= set(names), names
    assert sorted(p.name for p in got.glob("*.jsonl")) == names
    for name in names:
        assert (got / name).read_bytes() == (want / name).read_bytes(), f"{name} differs from the local build's"


def test_dask_build_matches_local_build_and_runs_on_workers(cluster, raw_copy, local_release):
    n_pages = sum(1 for _ in discover_pages(raw_copy))
    n_batches = -(-n_pages // BATCH_SIZE)
    assert n_batches >= 2
    before = executed_on_workers(cluster)
    assert len(before) == 2, f"expected 2 dask workers, got {sorted(before)}"

    out = cluster.base / "dask-out"
    started = time.perf_counter()
    proc = ingest_build(cluster, cluster.base, "--raw", str(raw_copy), "--out", str(out),
                        "--dask", cluster.scheduler)
    elapsed = time.perf_counter() - started
    release = out / "latest"

    # the same release as the single-process build, and a valid one
    assert verify_release(release) == []
    assert_same_datasets(release, local_release)
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert manifest["inputs"]["pages"] == n_pages, manifest["inputs"]
    assert "internal_error" not in (release / "quarantine.jsonl").read_text("utf-8"), proc.stdout

    # the extraction really ran on the dask workers: every batch was computed by one of them...
    after = executed_on_workers(cluster)
    new = {worker: after[worker] - before.get(worker, set()) for worker in after}
    assert sum(len(keys) for keys in new.values()) == n_batches, (new, elapsed)
    assert all(new.values()), f"both workers should have extracted batches: {new}"
    # ...and the Prefect server recorded one completed `extract-batch` task run per batch
    runs = task_runs_of(cluster, out)
    extract = [r for r in runs if r["name"].startswith("extract-batch")]
    assert len(extract) == n_batches and {r["state_type"] for r in extract} == {"COMPLETED"}, runs


def test_dask_build_with_relative_paths(cluster, raw_copy, local_release):
    """`ingest build --raw raw --out out --dask ...` from the folder holding raw/.

    The dask workers run in another working directory (as on any cluster), so the flow must hand
    them absolute paths. When it passed the user's relative paths through (before b68ab52), every
    page was quarantined as internal_error (FileNotFoundError on the worker), a release with zero
    records was published with exit code 0, and the extraction cache landed in the worker's cwd.
    """
    out_name = "rel-out"
    ingest_build(cluster, cluster.base, "--raw", raw_copy.name, "--out", out_name, "--dask", cluster.scheduler)
    release = cluster.base / out_name / "latest"
    assert verify_release(release) == []
    quarantine = (release / "quarantine.jsonl").read_text("utf-8")
    unread = [e for e in map(json.loads, quarantine.splitlines()) if e["reason"] in ("unreadable", "internal_error")]
    assert not unread, ("dask workers could not open the pages: relative --raw/--out paths reached them "
                        "unresolved (fix: resolve raw and out to absolute paths at the top of the `build` flow)\n"
                        + "\n".join(map(str, unread[:3])))
    assert_same_datasets(release, local_release)
    assert not (cluster.workers_cwd / out_name).exists(), "a worker wrote the extraction cache under its own cwd"


def test_dask_workers_enforce_the_page_time_limit(cluster):
    """A page that takes seconds of Python work is quarantined as `timeout` on a dask worker too.

    Dask runs tasks in worker threads, where a SIGALRM timer cannot fire: the limit must not
    depend on running in a process's main thread (before 547a4e2 this page was extracted to the end
    and quarantined as unsupported_page_type).
    """
    raw = cluster.base / "raw-slow"
    raw.mkdir(exist_ok=True)
    items = "".join(f"<li>Step {i}: rinse instrument {i % 7} and check it twice.</li>\n" for i in range(60_000))
    page = (f"<html><head><title>Knee arthroscopy</title></head><body><main><h1>Knee arthroscopy (CPT 29881)</h1>"
            f"<h2>Steps</h2><ul>{items}</ul></main></body></html>")  # ~3.6 MB, about 3 s to extract here
    (raw / "huge-list.html").write_text(page, "utf-8")
    before = executed_on_workers(cluster)
    out = cluster.base / "slow-out"
    # --failure-margin 1: the one page times out on purpose (more than the 5% a build publishes by default)
    ingest_build(cluster, cluster.base, "--raw", str(raw), "--out", str(out), "--dask", cluster.scheduler,
                 "--page-time-limit", "0.5", "--failure-margin", "1")
    after = executed_on_workers(cluster)
    assert sum(len(after[w] - before.get(w, set())) for w in after) == 1, "the batch should have run on a dask worker"
    entries = [json.loads(line) for line in (out / "latest" / "quarantine.jsonl").read_text("utf-8").splitlines()]
    assert [(e["path"], e["reason"]) for e in entries] == [("huge-list.html", "timeout")], entries
