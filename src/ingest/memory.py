"""Giving freed memory back to the system.

glibc keeps the memory a process frees in its arenas for the next allocation; after a short peak
of many small objects (a parse tree, a shard of rows, a block of candidate texts) the process stays
at its largest size for the rest of its life. ``release_free_memory()`` returns the free pages
(glibc's ``malloc_trim``), after a step whose peak is over; elsewhere (another C library) it does
nothing. Callers: the extraction workers after each chunk, and the process that assembles the
release after each pass of deduplication.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library: nothing to do)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (no-op without glibc)."""
    if _trim is not None:
        _trim(0)
