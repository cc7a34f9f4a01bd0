"""Resume after a kill: the complete batches' parts are reused, a half-written part is never read.

A real `ingest build` process is SIGKILLed while it writes batch parts (ingest.faults kill points
in ingest.assembly.parts); the next build, through the real command line, says how many batches it
extracted and how many it found complete, and publishes datasets byte for byte those of a build
that was never interrupted.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import faults
from ingest.assembly.parts import COMPLETE
from ingest.release.layout import STAGING, read_manifest
from tests.faults.conftest import WIDE, assert_latest_valid, build, no_leftovers

BATCH = ["--batch-size", "5", "--page-time-limit", "300"]  # the 25 sample pages in 5 batches (no timeout on a busy machine)
DATASETS = ("procedures", "terms", "billing", "codes", "entities", "quarantine", "duplicates")


def killed_build(raw: Path, out: Path, point: str) -> None:
    """`ingest build` as a real process, SIGKILLed by itself at `point` (INGEST_KILL_AT)."""
    env = {**os.environ, **WIDE, faults.ENV: point,
           "PREFECT_HOME": os.environ.get("PREFECT_HOME", "/tmp/prefect-faults")}
    env.pop("PREFECT_LOGGING_LEVEL", None)
    err = open(out.parent / f"stderr-{point.replace('/', '_')}", "w+b")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "ingest.cli", "build", "--raw", str(raw), "--out", str(out),
                             "--workers", "0", *BATCH], stdout=subprocess.DEVNULL, stderr=err,
                            env=env, start_new_session=True)
    try:
        rc = proc.wait(timeout=300)
    finally:  # Prefect's temporary server outlives a SIGKILLed build: its process group goes too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    err.seek(0)
    stderr = err.read().decode(errors="replace")
    err.close()
    assert rc == -signal.SIGKILL, f"not killed at {point}: {rc} {stderr[-2000:]}"


def batches_row(output: str) -> tuple[int, int]:
    found = re.search(r"batches\s+(\d+) extracted, (\d+) reused", output)
    assert found, output
    return int(found.group(1)), int(found.group(2))


@pytest.fixture(scope="module")
def reference(prefect_harness, tmp_path_factory) -> Path:
    """The sample pages built once without interruption, in 5 batches."""
    root = tmp_path_factory.mktemp("reference")
    shutil.copytree(Path(__file__).resolve().parents[2] / "raw" / "sample", root / "raw")
    result = build(root / "raw", root / "out", *BATCH)
    assert result.exit_code == 0, result.output
    assert "reused" not in result.output  # nothing to resume: no batches row
    return assert_latest_valid(root / "out")


@pytest.mark.parametrize("point,complete", [
    ("part.complete#3", 2),  # the third batch's parts written, killed before its marker
    ("part.line:pages.jsonl#13", 2),  # killed half-way through the third batch's pages.jsonl
    ("part.line:records.procedures.jsonl#1", 0),  # killed in the first batch's first file
])
def test_resumed_build_reuses_complete_batches_and_never_reads_a_half_written_one(reference, raw, tmp_path,
                                                                                  point, complete):
    """Batches run side by side (the flow's thread pool), so when the kill fires another batch may have
    begun its folder, or one that passed an earlier point may not have written its marker yet (CI saw
    4 folders for 2 markers once): the rerun must reuse exactly the batches that have a marker."""
    out = tmp_path / "out"
    killed_build(raw, out, point)
    batches = [p for p in (out / STAGING).glob("*/*") if p.is_dir()]
    marked = sum((p / COMPLETE).is_file() for p in batches)
    assert (1 if complete else 0) <= marked <= complete, batches
    assert len(batches) > marked, batches  # the batch being written when killed: no marker
    assert not (out / "latest").exists()

    result = build(raw, out, *BATCH)
    assert result.exit_code == 0, result.output
    if marked:
        assert batches_row(result.output) == (5 - marked, marked)
    else:
        assert "reused" not in result.output
    latest = assert_latest_valid(out)
    for name in DATASETS:
        assert (latest / f"{name}.jsonl").read_bytes() == (reference / f"{name}.jsonl").read_bytes(), name
    assert read_manifest(latest)["content_digest"] == read_manifest(reference)["content_digest"]
    assert not (out / STAGING).exists(), "a published build leaves no staging folder"
    no_leftovers(out)


def test_a_batch_with_a_transient_failure_is_redone(reference, raw, tmp_path):
    """A page that timed out is not kept in a part (as the cache never keeps it): the rerun extracts its batch."""
    from ingest.assembly.parts import BatchParts, complete_parts, write_parts
    from ingest.page.process import PageResult

    folder = tmp_path / "batch"
    timeout = PageResult("a.html", None, quarantine={"path": "a.html", "reason": "timeout", "detail": "slow"})
    assert isinstance(write_parts(folder, [timeout], 0.8), BatchParts)
    assert complete_parts(folder) is None
    fine = PageResult("a.html", None, quarantine={"path": "a.html", "reason": "empty", "detail": "empty"})
    write_parts(folder, [fine], 0.8)
    assert complete_parts(folder).reused


def test_gc_removes_the_staging_folder_of_a_killed_build(reference, raw, tmp_path):
    out = tmp_path / "out"
    killed_build(raw, out, "part.complete#2")
    assert (out / STAGING).is_dir()
    from tests.faults.conftest import ingest

    result = ingest("gc", "--out", out, "--keep", "1")
    assert result.exit_code == 0, result.output
    assert "removed" in result.output and not list((out / STAGING).iterdir())
