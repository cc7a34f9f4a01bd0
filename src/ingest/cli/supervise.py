"""A publishing command under supervision: the output folder's lock, SIGINT/SIGTERM, the flow in a thread.

`supervised(out, command, wait)` holds `out`'s lock (ingest.release.lock) and handles SIGINT and
SIGTERM (ingest.interrupts) for the whole command; whatever stops it ends in one line and a
documented exit code:

    75   another build or gc holds the lock (without --wait)
    130  SIGINT (Ctrl-C), 143 SIGTERM: stopped at a safe point, nothing published

`run_flow(call)` runs a Prefect flow in a thread of its own while the main thread waits and takes
the signals. Prefect then installs no SIGTERM handler of its own (it can only do so in the main
thread), and that thread blocks SIGINT, which every thread and process it starts inherits (the
extraction workers, Prefect's temporary API server): a Ctrl-C sent to the whole process group
reaches this process alone, which stops the build at its next safe point while the server is still
there to record the flow run's end. If no safe point comes within `grace` seconds (say the server
was killed by a SIGTERM sent to the whole group, and Prefect's client keeps retrying it), the
command stops at once as on a second signal.
"""

from __future__ import annotations

import contextvars
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ingest import interrupts
from ingest.interrupts import Interrupted
from ingest.release.layout import latest_release
from ingest.release.lock import EXIT_LOCKED, OutputLocked, out_lock

T = TypeVar("T")
GRACE_SECONDS = 30.0
err = Console(stderr=True)
_quiet_stop = False  # supervised(quiet=True): an interrupt silences the logs (Prefect's failed-run tracebacks)


def _silence_logs() -> None:
    if _quiet_stop:
        logging.disable(logging.ERROR)


interrupts.when_stopping(_silence_logs)


def fail(message: str, code: int = 1) -> None:
    """One line on stderr, `error: ...`, and exit with code."""
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)  # messages quote types: list[string]
    raise typer.Exit(code)


def _say(line: str) -> None:
    err.print(escape(line), soft_wrap=True, highlight=False)


def _stopped(exc: Interrupted, out: Path, undone: str) -> None:
    err.print(f"[bold yellow]{escape(interrupted_line(exc.signum, exc.point, out, undone))}[/]", soft_wrap=True)
    raise typer.Exit(exc.exit_code) from None


def interrupted_line(signum: int, point: str, out: Path, undone: str = "nothing published") -> str:
    """The one line an interrupted command ends with."""
    latest = latest_release(out)
    kept = f"latest is still {latest.name}" if latest is not None else "there is no release yet"
    return f"interrupted by {signal.Signals(signum).name} ({point}): {undone}; {kept}"


@contextmanager
def supervised(out: Path, command: str, wait: bool, undone: str = "nothing published",
               quiet: bool = True) -> Iterator[None]:
    """Hold out's lock and handle SIGINT/SIGTERM while inside; a refusal or an interrupt ends in one line
    (`undone`: what an interrupt leaves undone; `quiet`: no log lines once interrupted, e.g. unless --verbose)."""
    global _quiet_stop
    _quiet_stop = quiet
    with interrupts.handling(), ExitStack() as held:
        try:
            held.enter_context(out_lock(out, command, wait=wait, on_wait=_say))
        except OutputLocked as exc:
            fail(f"{exc}; nothing done (--wait waits for it)", EXIT_LOCKED)
        except OSError as exc:  # a read-only or missing volume
            fail(f"cannot lock {out}: {exc.strerror} ({exc.filename})")
        except Interrupted as exc:  # while waiting for the lock
            _stopped(exc, out, undone)
        try:
            yield
        except Interrupted as exc:
            _stopped(exc, out, undone)
        finally:
            # (after an interrupt the logs stay silenced to the end: on the way out Prefect's services still
            # flush events to a server the signal may have stopped, and would log errors after the last line)
            if interrupts.requested() is None or not _quiet_stop:
                logging.disable(logging.NOTSET)
        if (signum := interrupts.requested()) is not None:
            _say(f"note: {signal.Signals(signum).name} arrived after the {command}'s last safe point; "
                 "it finished, and its result above stands")


def run_flow(call: Callable[[], T], grace: float = GRACE_SECONDS, server_gone: Callable[[], bool] = lambda: False) -> T:
    """call() in a thread that blocks SIGINT (see the module's docstring); its result, or its exception
    (Interrupted when a signal stopped it). When the flow's API server is gone (`server_gone`), the
    command stops at once as soon as the build has reached a safe point: Prefect could only retry it."""
    context = contextvars.copy_context()  # temporary_settings and other context variables of the caller
    outcome: dict[str, object] = {}

    def target() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            outcome["result"] = context.run(call)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="ingest-flow", daemon=True)
    thread.start()
    deadline = None
    while thread.is_alive():
        thread.join(0.1)  # the main thread runs the signal handlers in between
        if deadline is None and interrupts.requested() is not None:
            deadline = time.monotonic() + grace
        elif deadline is not None and time.monotonic() > deadline:
            interrupts.stop_at_once(f"no safe point came within {grace:.0f} s")
        elif deadline is not None and interrupts.stopped_at() and server_gone():
            interrupts.stop_at_once("Prefect's temporary server stopped too")
    if "error" in outcome:
        error = outcome["error"]
        if (signum := interrupts.requested()) is not None and not isinstance(error, Interrupted):
            raise Interrupted(signum, f"the flow ended with {type(error).__name__}") from error
        raise error  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
