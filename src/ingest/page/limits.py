"""The per-page time limit: a page past its seconds raises PageTimeout in the thread extracting it."""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from contextlib import contextmanager


class PageTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise PageTimeout in this thread after `seconds`.

    In the main thread a SIGALRM timer does it; in other threads (Prefect runs tasks in
    worker threads) a timer thread raises the exception asynchronously in this one. Either
    way it lands between two Python bytecodes, so a single C call (one lxml parse of a
    page under the size cap) finishes first. Where it lands in code that cannot pass it on (a
    garbage-collector callback or a finalizer: Python prints "Exception ignored in" and goes on,
    as dask's GC diagnostics did in CI), the page runs to its end: the limit is then raised when
    the block ends, so a page past its limit is a timeout either way.
    """
    if seconds <= 0:
        yield
        return
    message = f"extraction exceeded {seconds:g} s"
    if threading.current_thread() is threading.main_thread():
        fired = []

        def _alarm(signum, frame):
            fired.append(True)
            raise PageTimeout(message)

        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if fired:  # (the block ended normally: the exception was swallowed where it landed)
            raise PageTimeout(message)
        return
    token = _watchdog.arm(threading.get_ident(), time.monotonic() + seconds)
    try:
        yield
    finally:
        fired = _watchdog.disarm(token)
    if fired:
        raise PageTimeout(message)


class _Watchdog:
    """One daemon thread that raises PageTimeout asynchronously in threads past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: dict[int, tuple[float, int]] = {}  # token -> (deadline, thread id)
        self._fired: set[int] = set()  # tokens whose thread was sent PageTimeout, until disarmed
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, thread_id: int, deadline: float) -> int:
        with self._cond:
            self._next += 1
            self._deadlines[self._next] = (deadline, thread_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ingest-page-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
            return self._next

    def disarm(self, token: int) -> bool:
        """Stop watching the token; True when its thread was sent PageTimeout."""
        with self._cond:  # after this, the watchdog can no longer fire for this token
            self._deadlines.pop(token, None)
            fired = token in self._fired
            self._fired.discard(token)
            return fired

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, thread_id) in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[token]
                        self._fired.add(token)
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(PageTimeout))
                wait = min((d for d, _ in self._deadlines.values()), default=now + 60) - now
                self._cond.wait(timeout=max(wait, 0.01))


_watchdog = _Watchdog()
