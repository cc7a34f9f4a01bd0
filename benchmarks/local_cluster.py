"""A local Dask cluster for benchmarks/bench_scale.py's run (d): a Prefect server, a dask scheduler and
dask worker processes, each in a process group of its own, as tests/distributed starts them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


class DaskCluster:
    """A Prefect server, a dask scheduler and `workers` dask worker processes (one thread each), each in a
    process group of its own (as tests/distributed starts them); stop() ends every group."""

    def __init__(self, work: Path, workers: int) -> None:
        import socket

        def free_port() -> int:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                return sock.getsockname()[1]

        self.work, self.procs = work, {}
        bin_dir = Path(sys.executable).parent
        env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
        env.update(PREFECT_HOME=str(work / "prefect-cluster"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
        api_port, sched_port = free_port(), free_port()
        self.api_url, self.scheduler = f"http://127.0.0.1:{api_port}/api", f"tcp://127.0.0.1:{sched_port}"
        self._spawn("prefect server", [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                                       str(api_port)], env)
        self._spawn("dask scheduler", [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                                       str(sched_port), "--no-dashboard"], env)
        env = dict(env, PREFECT_API_URL=self.api_url)
        self._spawn("dask workers", [str(bin_dir / "dask"), "worker", self.scheduler, "--nworkers", str(workers),
                                     "--nthreads", "1", "--no-dashboard", "--local-directory", str(work / "dask")], env)
        self._wait(workers)

    def _spawn(self, kind: str, cmd: list[str], env: dict[str, str]) -> None:
        log = open(self.work / f"{kind.replace(' ', '-')}.log", "wb")  # noqa: SIM115 - closed by stop()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.work,
                                start_new_session=True)
        proc.log = log  # type: ignore[attr-defined]
        self.procs[kind] = proc

    def _wait(self, workers: int, timeout: float = 120) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.api_url + "/health", timeout=2)
                from distributed import Client

                with Client(self.scheduler, timeout=10) as client:
                    client.wait_for_workers(workers, timeout=max(1, deadline - time.monotonic()))
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(1)
        self.stop()
        sys.exit(f"the Dask cluster did not come up in {timeout:.0f} s (logs in {self.work})")

    def kinds(self) -> dict[int, str]:
        return {proc.pid: kind for kind, proc in self.procs.items()}

    def stop(self) -> None:
        import signal

        for proc in self.procs.values():
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=10)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
            proc.log.close()  # type: ignore[attr-defined]
