"""Interrupts: SIGINT and SIGTERM stop a build at its next safe point, never half-way through publishing.

The command line installs the handlers (`handling()`, main thread only). The first signal sets a
flag and runs the `when_stopping` actions (they cut short work that will be thrown away: the
extraction workers are stopped); the build's steps call `check(point)` at their safe points
(between pages or chunks, between steps, before a release folder is renamed into place) and
raise `Interrupted` there, so nothing is published and the release being written is removed.
`committing()` marks the few renames that switch `latest`: a signal arriving inside waits for
them to finish. A second signal exits at once (`os._exit`, after the `before_exit` actions have
killed the child processes that would outlive this one); only what `ingest gc` removes is left.

Without `handling()` (library use), nothing here changes how signals behave, and `check` costs
one global lookup.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def exit_code(signum: int) -> int:
    """The shell's code for a process stopped by signum: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


class Interrupted(RuntimeError):
    """A SIGINT or SIGTERM stopped the build at a safe point: nothing was published."""

    def __init__(self, signum: int, point: str) -> None:
        self.signum, self.point = signum, point
        super().__init__(f"{signal.Signals(signum).name} received; stopped at {point}")

    @property
    def exit_code(self) -> int:
        return exit_code(self.signum)


_received: int | None = None  # the first signal, once one came
_stopped_at: str | None = None  # the safe point where the build first stopped for it
_committing = 0  # depth of committing(): the second signal waits while > 0
_exit_pending: int | None = None
_state = threading.RLock()  # re-entrant: the handler may run in the thread that holds it
_when_stopping: list[Callable[[], None]] = []
_before_exit: list[Callable[[], None]] = []


def when_stopping(action: Callable[[], None]) -> None:
    """Run action (quick, never raising) when the first signal arrives."""
    _when_stopping.append(action)


def before_exit(action: Callable[[], None]) -> None:
    """Run action (quick, never raising: kill a child process) before a second signal exits at once."""
    _before_exit.append(action)


def requested() -> int | None:
    """The signal that asked the build to stop, or None."""
    return _received


def check(point: str) -> None:
    """A safe point: raise Interrupted when a signal asked the build to stop."""
    global _stopped_at
    if _received is not None:
        _stopped_at = _stopped_at or point
        raise Interrupted(_received, point)


def stopped_at() -> str | None:
    """The safe point where the build stopped after the signal (None: not reached yet)."""
    return _stopped_at


@contextmanager
def committing() -> Iterator[None]:
    """Switching `latest`: a second signal waits until this is done (the first waits anyway: no check inside)."""
    global _committing
    with _state:
        _committing += 1
    try:
        yield
    finally:
        with _state:
            _committing -= 1
            pending = _exit_pending if _committing == 0 else None
        if pending is not None:
            _exit_now(pending, "a second time", outcome="the release was published just before")


def _run(actions: list[Callable[[], None]]) -> None:
    for action in actions:
        try:
            action()
        except Exception:  # noqa: BLE001 - a stop action must never hide the signal
            pass


def _exit_now(signum: int, why: str, outcome: str = "nothing published") -> None:
    _run(_before_exit)
    os.write(2, f"interrupted by {signal.Signals(signum).name} ({why}): stopped at once, {outcome}; "
                f"`ingest gc --keep N` removes what the build left\n".encode())
    os._exit(exit_code(signum))


def _handle(signum: int, frame: object) -> None:
    global _received, _exit_pending
    if _received is None:
        _received = signum
        _run(_when_stopping)
        return
    stop_at_once("a second time", signum)


def stop_at_once(why: str, signum: int | None = None) -> None:
    """Exit now (after the before_exit actions), or as soon as `latest` has been switched if that is under way."""
    global _exit_pending
    signum = signum or _received or signal.SIGTERM
    with _state:
        if _committing:
            _exit_pending = signum
            return
    _exit_now(signum, why)


@contextmanager
def handling() -> Iterator[None]:
    """Handle SIGINT and SIGTERM as above while inside (a no-op outside the main thread); restore after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handle) for s in SIGNALS}
    reset()
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        reset()  # a stop request ends with the scope that took it (library calls after it run normally)


def reset() -> None:
    """Forget a received signal."""
    global _received, _exit_pending, _stopped_at
    _received = _exit_pending = _stopped_at = None
