"""Prefect's temporary API server (ephemeral mode) when a build must stop at once.

With no PREFECT_API_URL, Prefect starts a uvicorn subprocess on the first API call
(prefect.server.api.server.SubprocessASGIServer) and stops it at exit (atexit: SIGTERM, then
SIGKILL after 5 s). A command that exits at once (a second Ctrl-C: os._exit) runs no atexit
handler, so `kill_temporary_server` is registered with ingest.interrupts to kill it first.
A SIGTERM sent to the whole process group stops the server with the build (`temporary_server_gone`).
(It never sees the terminal's Ctrl-C: it is started from the flow's thread, which blocks SIGINT,
see ingest.cli.supervise.)
"""

from __future__ import annotations

import sys

from ingest import interrupts


def _server_processes() -> list:
    server_module = sys.modules.get("prefect.server.api.server")  # never imported: no server was started
    if server_module is None:
        return []
    return [s.server_process for s in list(server_module.SubprocessASGIServer._instances.values())
            if s.server_process is not None]


def kill_temporary_server() -> None:
    """SIGKILL the temporary server(s) this process started, if any (no waiting: the caller is exiting)."""
    for process in _server_processes():
        if process.poll() is None:
            process.kill()


def temporary_server_gone() -> bool:
    """Whether a temporary server this process started has exited (e.g. a SIGTERM sent to the whole
    process group stopped it too): the flow run can no longer report its end, so nothing is worth waiting for."""
    return any(process.poll() is not None for process in _server_processes())


interrupts.before_exit(kill_temporary_server)
