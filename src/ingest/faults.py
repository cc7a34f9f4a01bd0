"""Fault injection for crash tests: SIGKILL this process at a named checkpoint.

Set ``INGEST_KILL_AT=<name>`` (first occurrence) or ``INGEST_KILL_AT=<name>#<k>``
(k-th occurrence) and the process kills itself with SIGKILL when it reaches that
checkpoint: no cleanup, no atexit, no flush, exactly like ``kill -9`` or the OOM
killer. The variable is read once at import; unarmed, ``checkpoint`` costs one
global lookup and a comparison.
"""

from __future__ import annotations

import os
import signal

ENV = "INGEST_KILL_AT"

_target: str | None = None
_nth = 1
_seen = 0


def arm(spec: str | None) -> None:
    """Arm (``name`` or ``name#k``) or disarm (None / "") the kill switch; resets the count."""
    global _target, _nth, _seen
    _seen = 0
    if not spec:
        _target, _nth = None, 1
        return
    name, _, k = spec.partition("#")
    _target, _nth = name, int(k) if k else 1


def armed() -> bool:
    """True when a kill point is set (callers may then take a slower, more granular path)."""
    return _target is not None


def checkpoint(name: str) -> None:
    """SIGKILL this process if `name` is the armed kill point (at its k-th occurrence)."""
    global _seen
    if _target is None or name != _target:
        return
    _seen += 1
    if _seen == _nth:
        os.kill(os.getpid(), signal.SIGKILL)


arm(os.environ.get(ENV))
