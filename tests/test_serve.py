"""`ingest serve`: the build flow served on a cron schedule, against a real Prefect server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import RAW_SAMPLE, REPO

INGEST = Path(sys.executable).parent / "ingest"


def _wait_for(what: str, probe, seconds: float, proc: subprocess.Popen):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`ingest serve` exited ({proc.returncode}) while waiting for {what}:\n{_output(proc)}")
        if (found := probe()) is not None:
            return found
        time.sleep(0.5)
    pytest.fail(f"no {what} within {seconds} s:\n{_output(proc)}")


def _output(proc: subprocess.Popen) -> str:
    """Stop the served process; the tail of its output (a file: a pipe could fill up and block it)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.log_path.read_text(errors="replace")[-3000:]


def _create_flow_run(api: str, deployment_id: str) -> dict:
    """A flow run of the deployment; a 5xx of the test's Prefect server (its SQLite, on a loaded machine) is
    retried as a client would, anything else fails with the server's answer."""
    for attempt in range(3):
        response = httpx.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={}, timeout=30)
        if response.status_code < 500 or attempt == 2:
            break
        time.sleep(2)
    assert response.status_code in (200, 201), f"create_flow_run: {response.status_code} {response.text[:500]}"
    return response.json()


@pytest.mark.slow
def test_serve_registers_the_schedule_and_runs_the_build(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    out = tmp_path / "normalized"
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(INGEST), "serve", "--cron", "15 4 * * 1", "--raw", str(RAW_SAMPLE), "--out", str(out),
                                 "--name", "nightly-test", "--batch-size", "7", "--workers", "0",
                                 "--max-page-bytes", "4000000", "--page-time-limit", "9", "--drift-margin", "0.3",
                                 "--strict"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log_path
    try:
        def deployment():
            body = {"deployments": {"name": {"any_": ["nightly-test"]}}, "limit": 1}
            found = httpx.post(f"{api}/deployments/filter", json=body, timeout=30).json()
            return found[0] if found else None

        served = _wait_for("deployment", deployment, 120, proc)
        assert [s["schedule"]["cron"] for s in served["schedules"]] == ["15 4 * * 1"]
        # the settings given (the others are the flow's defaults, from BuildSettings)
        assert served["parameters"] == {"raw": str(RAW_SAMPLE.resolve()), "out": str(out.resolve()), "batch_size": 7,
                                        "workers": 0, "max_page_bytes": 4_000_000, "page_time_limit": 9.0,
                                        "drift_margin": 0.3, "strict": True}

        # a run of the deployment (what the schedule creates at 04:15) is picked up and publishes a release
        run = _create_flow_run(api, served["id"])

        def finished():
            state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=30).json()["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        state = _wait_for("finished flow run", finished, 240, proc)
        assert state["type"] == "COMPLETED", state
        assert (out / "latest" / "manifest.json").is_file()
        assert (out / "latest" / "procedures.jsonl").stat().st_size > 0
        build_key = json.loads((out / "latest" / "manifest.json").read_text())["build"]
        assert build_key["max_page_bytes"] == 4_000_000  # the served setting reached the build
    finally:
        _output(proc)
