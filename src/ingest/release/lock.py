"""The output folder's lock: one build (or gc) at a time writes into an `--out` folder.

An exclusive flock on `<out>/.lock`, taken by a build from its start until `latest` is switched
and by `ingest gc`. The kernel releases it when the holding process dies, however it dies
(SIGKILL included): a lock is never stale, and nothing has to clean it up. The file itself
stays; its content (pid, command, start time of the holder) only feeds the messages.

A second taker either fails at once with OutputLocked (the CLI exits with EXIT_LOCKED) or, with
`wait`, says once who holds the lock and polls until it is free (a SIGINT/SIGTERM then stops the
wait: ingest.interrupts). Within one process the lock is re-entrant (the CLI holds it around the
flow, and the flow takes it again), since a second flock on the file from the same process would
block on itself. Local file systems only: flock over NFS is not reliable everywhere.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from ingest import interrupts

LOCK_FILE = ".lock"
EXIT_LOCKED = 75  # sysexits.h EX_TEMPFAIL: a temporary failure, try again later
POLL_SECONDS = 0.2


class OutputLocked(RuntimeError):
    """Another process holds the output folder's lock."""


_held: dict[str, list] = {}  # resolved out folder -> [open file, depth] for the locks this process holds
_held_guard = threading.Lock()


def holder(out_dir: Path) -> str:
    """Who holds (or last held) out_dir's lock, as the lock file says: 'pid 123: ingest build, since ...'."""
    try:
        info = json.loads((Path(out_dir) / LOCK_FILE).read_text("utf-8"))
        return f"pid {info['pid']}: ingest {info['command']}, since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _acquire(out_dir: Path, command: str, wait: bool, on_wait: Callable[[str], None] | None) -> object:
    out_dir.mkdir(parents=True, exist_ok=True)
    fh = open(out_dir / LOCK_FILE, "a+b")  # noqa: SIM115 - held open for as long as the lock
    try:
        if not _try_flock(fh.fileno()):
            busy = f"{out_dir} is locked by another ingest process ({holder(out_dir)})"
            if not wait:
                raise OutputLocked(busy)
            started = time.monotonic()
            if on_wait is not None:
                on_wait(f"waiting: {busy}")
            while not _try_flock(fh.fileno()):
                interrupts.check("waiting for the output lock")
                time.sleep(POLL_SECONDS)
            if on_wait is not None:
                on_wait(f"lock on {out_dir} taken after {time.monotonic() - started:.1f} s of waiting")
        since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        fh.truncate(0)
        fh.write(json.dumps({"pid": os.getpid(), "command": command, "since": since}).encode() + b"\n")
        fh.flush()
    except BaseException:
        fh.close()  # closing releases the flock, if it was taken
        raise
    return fh


@contextmanager
def out_lock(out_dir: Path, command: str, wait: bool = False,
             on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold out_dir's lock while inside (creating out_dir if needed).

    Raises OutputLocked when another process holds it, unless `wait`: then `on_wait` is told once
    who holds it (and again when it is taken) and the lock is polled for; an interrupt stops the
    wait (Interrupted). Re-entrant within this process."""
    key = os.path.realpath(out_dir)
    with _held_guard:  # held while taking it too: two threads of this process never flock the file twice
        entry = _held.get(key)
        if entry is None:
            entry = _held[key] = [_acquire(Path(out_dir), command, wait, on_wait), 0]
        entry[1] += 1
    try:
        yield
    finally:
        with _held_guard:
            entry[1] -= 1
            if entry[1] == 0:
                del _held[key]
                entry[0].close()  # the flock goes with the last descriptor
