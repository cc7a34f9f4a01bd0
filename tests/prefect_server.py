"""A real `prefect server start` for end-to-end tests (its services on, unlike the test harness), and process helpers."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \| ")  # a Prefect log record (not a traceback line)


@dataclass
class Server:
    api: str
    log: Path
    env: dict
    proc: subprocess.Popen | None = None

    def wait_ready(self, seconds: float = 180) -> Server:
        """Block until the API answers /health (fail with the log's errors if it dies or times out)."""
        deadline = time.monotonic() + seconds
        while not _healthy(self.api):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not start (exit {self.proc.poll()}):\n{self.errors(60)}")
            time.sleep(1)
        return self

    def errors(self, lines: int = 25) -> str:
        """The server log's last ERROR lines, the last one with the end of its traceback (the exception)."""
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        marks = [i for i, line in enumerate(text) if _LOG_LINE.match(line) and "| ERROR" in line]
        if not marks:
            return f"(no ERROR in the server log {self.log}; its tail:)\n" + "\n".join(text[-lines:])
        last = marks[-1]
        end = next((i for i in range(last + 1, len(text)) if _LOG_LINE.match(text[i])), len(text))
        block = text[last + 1:end]
        if len(block) > lines:
            block = [*block[:3], "  ...", *block[-(lines - 4):]]
        earlier = [text[i] for i in marks[-4:-1]]
        return "\n".join([f"server log ({self.log}), last ERROR lines:", *earlier, text[last], *block])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def prefect_server(home: Path, log: Path, wait: bool = True, **settings: str):
    """`prefect server start` on a free port with its own PREFECT_HOME; yields a Server (api URL, log, client env).

    wait=False yields at once (call server.wait_ready()): several servers can start in parallel."""
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    quiet = {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
             "PREFECT_LOGGING_TO_API_ENABLED": "false"}
    server_env = {**base, **quiet, "PREFECT_SERVER_UI_ENABLED": "false", **settings}
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                env=server_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(api=api, log=log, env={**base, **quiet, "PREFECT_API_URL": api}, proc=proc)
    try:
        yield server.wait_ready() if wait else server
    finally:
        stop(proc)


def start(args: list[str], env: dict, log: Path, cwd: Path | None = None) -> subprocess.Popen:
    """A background process writing to a file (a pipe could fill up and block it)."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log_path = log
    return proc


def stop(*procs: subprocess.Popen, grace: float = 20) -> None:
    """SIGINT to each, then SIGKILL to what is left after `grace` seconds, and to what they left in their sessions."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # its session (start_new_session): children it did not reap


def tail(proc: subprocess.Popen, chars: int = 3000) -> str:
    return proc.log_path.read_text(errors="replace")[-chars:]
