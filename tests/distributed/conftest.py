"""A real little cluster for the distributed tests: a Prefect server, a dask scheduler, two dask workers.

Every process runs in its own process group and the whole group is terminated at teardown, failure
or not. Nothing is mocked: the tests run `ingest build --dask ...` as a user would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 90  # `prefect server start` answers /api/health in ~15 s here
WORKERS = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(prefect_home: Path) -> dict[str, str]:
    """The caller's environment minus any Prefect server it points at, with its own PREFECT_HOME."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return env


def spawn(cmd: list[str], log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    fh = open(log, "wb")  # noqa: SIM115 - closed when the process is stopped
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)
    proc.log_file = fh  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group we created, then SIGKILL whatever is left of it."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        try:  # the leader exited; children of the group (uvicorn, a dask nanny's worker) may linger
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    proc.log_file.close()  # type: ignore[attr-defined]


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Cluster:
    api_url: str
    scheduler: str
    base: Path  # scratch folder of the session
    workers_cwd: Path  # the workers' working directory (not `base`: relative paths must not resolve there)
    env: dict[str, str]  # environment for `ingest` subprocesses (PREFECT_API_URL set)
    logs: dict[str, Path] = field(default_factory=dict)

    def diagnostics(self) -> str:
        return "\n".join(f"--- {name} ({path})\n{tail(path)}" for name, path in self.logs.items())


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Cluster:
    base = tmp_path_factory.mktemp("dask-cluster")
    logs = base / "logs"
    logs.mkdir()
    workers_cwd = base / "workers-cwd"
    workers_cwd.mkdir()
    env = dict(base_env(base / "prefect-home"), DASK_TEMPORARY_DIRECTORY=str(base / "dask-tmp"))
    procs: list[subprocess.Popen] = []
    api_port, sched_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}/api"
    address = f"tcp://127.0.0.1:{sched_port}"
    cl = Cluster(api_url, address, base, workers_cwd, dict(env, PREFECT_API_URL=api_url))
    try:
        # 1. the Prefect server (slowest to start: start it first, wait for it last)
        cl.logs["prefect server"] = logs / "prefect-server.log"
        server = spawn([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(api_port)],
                       cl.logs["prefect server"], env, base)
        procs.append(server)
        # 2. the dask scheduler and two separate worker processes, one thread each
        cl.logs["dask scheduler"] = logs / "dask-scheduler.log"
        procs.append(spawn([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(sched_port),
                            "--no-dashboard"], cl.logs["dask scheduler"], env, base))
        worker_env = dict(base_env(base / "worker-prefect-home"), DASK_TEMPORARY_DIRECTORY=str(base / "dask-tmp"))
        # no PREFECT_API_URL for the workers: the flow's task runs carry it
        for i in range(WORKERS):
            cl.logs[f"dask worker {i}"] = logs / f"dask-worker-{i}.log"
            scratch = base / f"worker-{i}-scratch"
            procs.append(spawn([str(BIN / "dask"), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                "--no-dashboard", "--local-directory", str(scratch)],
                               cl.logs[f"dask worker {i}"], worker_env, workers_cwd))
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        import httpx

        while True:
            if server.poll() is not None:
                pytest.skip(f"`prefect server start` exited with code {server.returncode} before answering "
                            f"/api/health:\n{tail(cl.logs['prefect server'])}")
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.skip(f"`prefect server start` did not answer {api_url}/health within "
                            f"{SERVER_START_TIMEOUT} s:\n{tail(cl.logs['prefect server'])}")
            time.sleep(0.5)
        from distributed import Client

        try:
            with Client(address, timeout=30) as client:
                client.wait_for_workers(WORKERS, timeout=60)
        except Exception as exc:  # noqa: BLE001 - a real failure, with the logs that explain it
            pytest.fail(f"dask cluster at {address} did not get {WORKERS} workers: {exc}\n{cl.diagnostics()}")
        yield cl
    finally:
        for proc in reversed(procs):
            stop(proc)
