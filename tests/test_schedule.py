"""Schedules as a user relies on them: a real `prefect server start` (scheduler service on) creates the runs.

Both routes share one server and one minute boundary: `ingest serve --cron "* * * * *"`, and
`prefect deploy` of prefect.yaml to a process work pool with a worker. Each test waits for a run
created by the scheduler (flagged `auto_scheduled`, tagged `auto-scheduled`; nothing here
creates a run by hand) to complete and publish a release. A failure quotes the server log's
last ERROR lines (e.g. SQLAlchemy 2.1 breaking the scheduler under Prefect 3.8.8).
The start-up guard of `ingest serve` is tested against a server whose scheduler is disabled.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import RAW_SAMPLE, REPO
from tests.prefect_server import BIN, prefect_server, start, stop, tail

EVERY_MINUTE = "* * * * *"
POOL = "ingest-test-proc"
WAIT_SECONDS = 270  # from set-up: the next minute boundary (<= 60 s) + two builds of raw/ on a busy 2-core machine
NO_RUN_WARNING = "has created no scheduled run for deployment"


def _deployment(api: str, name: str) -> dict | None:
    found = httpx.post(f"{api}/deployments/filter", json={"deployments": {"name": {"any_": [name]}}, "limit": 1},
                       timeout=30).json()
    return found[0] if found else None


FINISHED = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]


def _runs(api: str, deployment_id: str, states: list[str] | None = None) -> list[dict]:
    """The deployment's flow runs (those in `states` if given), earliest expected start first."""
    runs = {"deployment_id": {"any_": [deployment_id]}, **({"state": {"type": {"any_": states}}} if states else {})}
    body = {"flow_runs": runs, "sort": "EXPECTED_START_TIME_ASC", "limit": 200}
    return httpx.post(f"{api}/flow_runs/filter", json=body, timeout=30).json()


def _poll(what: str, probe, deadline: float, why_not) -> object:
    """probe() until it returns something, or fail at `deadline` (time.monotonic()) with why_not()."""
    started = time.monotonic()
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(2)
    pytest.fail(f"no {what} by the deadline (waited {time.monotonic() - started:.0f} s in this test)\n{why_not()}")


def _wait_for_scheduled_run(server, deployment_name: str, proc: subprocess.Popen, out: Path, deadline: float) -> dict:
    """The first scheduler-created run of the deployment, once finished; fails with the server's errors."""

    def why_not() -> str:
        dep = _deployment(server.api, deployment_name)
        runs = _runs(server.api, dep["id"]) if dep else []
        scheduled = sum(r["state_type"] == "SCHEDULED" for r in runs)
        others = [(r["name"], r["state_name"], r["auto_scheduled"], r["tags"]) for r in runs if r["state_type"] != "SCHEDULED"]
        return (f"deployment {deployment_name}: {'registered' if dep else 'NOT registered'}; "
                f"{scheduled} scheduled run(s); the others: {others}\n"
                f"{server.errors()}\n--- {proc.args[:3]} output (tail) ---\n{tail(proc)}")

    def finished_run():
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[:3]} exited ({proc.returncode})\n{why_not()}")
        dep = _deployment(server.api, deployment_name)
        if dep is None:
            return None
        finished = _runs(server.api, dep["id"], FINISHED)
        return finished[0] if finished else None

    run = _poll(f"finished run of {deployment_name}", finished_run, deadline, why_not)
    assert run["auto_scheduled"] is True and "auto-scheduled" in run["tags"], run  # the scheduler made it
    assert run["state_type"] == "COMPLETED", f"{run['state']}\n{why_not()}"
    assert (out / "latest" / "manifest.json").is_file(), why_not()
    assert (out / "latest" / "procedures.jsonl").stat().st_size > 0
    return run


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two real servers started in parallel: one as users run it, one with its scheduler service off."""
    tmp = tmp_path_factory.mktemp("servers")
    with (prefect_server(tmp / "home-on", tmp / "server-on.log", wait=False) as on,
          prefect_server(tmp / "home-off", tmp / "server-off.log", wait=False,
                         PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false") as off):
        yield {"scheduler_on": on.wait_ready(), "scheduler_off": off.wait_ready()}


@pytest.fixture(scope="module")
def scheduling(servers, tmp_path_factory):
    """`ingest serve` and a prefect.yaml deployment + process worker on the same server, both every minute."""
    tmp = tmp_path_factory.mktemp("schedule")
    raw = tmp / "raw"
    shutil.copytree(RAW_SAMPLE, raw)
    server = servers["scheduler_on"]
    served = start([str(BIN / "ingest"), "serve", "--cron", EVERY_MINUTE, "--raw", str(raw),
                    "--out", str(tmp / "out-serve"), "--name", "every-minute", "--workers", "0"],
                   {**server.env, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}, tmp / "serve.log", cwd=tmp)
    procs = [served]
    try:
        yaml_env = {**server.env, "INGEST_HOME": str(REPO), "PREFECT_WORKER_QUERY_SECONDS": "2"}
        prefect = str(BIN / "prefect")
        for args in ([prefect, "work-pool", "create", POOL, "--type", "process"],
                     [prefect, "--no-prompt", "deploy", "--prefect-file", str(REPO / "prefect.yaml"),
                      "--name", "nightly-build", "--pool", POOL, "--cron", EVERY_MINUTE,
                      "--params", json.dumps({"raw": str(raw), "out": str(tmp / "out-yaml"), "workers": 0})]):
            done = subprocess.run(args, env=yaml_env, cwd=REPO, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{args[1:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        procs.append(start([prefect, "worker", "start", "--pool", POOL, "--type", "process", "--limit", "1"],
                           yaml_env, tmp / "worker.log", cwd=tmp))
        # both routes wait for the same minute boundaries: one deadline for both tests
        yield {"server": server, "served": served, "worker": procs[1], "tmp": tmp,
               "deadline": time.monotonic() + WAIT_SECONDS}
    finally:
        stop(*procs)


@pytest.mark.slow
def test_the_scheduler_runs_the_served_deployment(scheduling):
    served = scheduling["served"]
    _wait_for_scheduled_run(scheduling["server"], "every-minute", served, scheduling["tmp"] / "out-serve",
                            scheduling["deadline"])
    log = tail(served, 20000)
    assert "schedule ok: the Prefect server has scheduled" in log, log  # the start-up guard saw the runs
    assert NO_RUN_WARNING not in log


@pytest.mark.slow
def test_a_worker_runs_the_scheduled_prefect_yaml_deployment(scheduling):
    dep = _deployment(scheduling["server"].api, "nightly-build")
    assert dep["work_pool_name"] == POOL
    assert sorted(s["schedule"]["cron"] for s in dep["schedules"]) == [EVERY_MINUTE, "0 3 * * *"]  # --cron adds one
    assert dep["entrypoint"] == "flows/build.py:build"
    _wait_for_scheduled_run(scheduling["server"], "nightly-build", scheduling["worker"], scheduling["tmp"] / "out-yaml",
                            scheduling["deadline"])
    assert not (REPO / "prefect.yaml").read_text().count(EVERY_MINUTE)  # `prefect deploy` left the file alone


@pytest.mark.slow
def test_serve_warns_in_one_line_when_the_server_schedules_nothing(servers, tmp_path):
    """With the scheduler service off (as when it fails every loop), serve says so and keeps serving."""
    server = servers["scheduler_off"]
    proc = start([str(BIN / "ingest"), "serve", "--cron", EVERY_MINUTE, "--raw", str(RAW_SAMPLE),
                  "--out", str(tmp_path / "out"), "--name", "unscheduled", "--workers", "0",
                  "--schedule-check", "10"], server.env, tmp_path / "serve.log", cwd=tmp_path)
    try:
        def warned():
            assert proc.poll() is None, f"`ingest serve` exited ({proc.returncode}):\n{tail(proc)}"
            lines = [line for line in tail(proc, 20000).splitlines() if line.startswith("warning:")]
            return lines or None

        lines = _poll("warning from `ingest serve`", warned, time.monotonic() + 150, lambda: tail(proc))
        assert len(lines) == 1, lines
        assert "deployment build/unscheduled after 10 s" in lines[0]
        assert "schedules are not being created" in lines[0] and "server log" in lines[0]
        dep = _deployment(server.api, "unscheduled")
        assert _runs(server.api, dep["id"]) == []  # the warning is true: nothing was scheduled
        time.sleep(3)
        assert proc.poll() is None, tail(proc)  # still serving
    finally:
        stop(proc)
