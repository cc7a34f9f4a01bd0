"""Durable file writes: the one place that writes a file, fsyncs it and swaps it in.

`replace_file` is how every module replaces a file that readers may open at any moment
(the raw store's pages and manifest, a release's report.html): the bytes go to a temporary
file beside the target (named `.tmp-<name>-<pid>-<random>`, so a killed writer's leftover is
recognisable), are fsynced, and take the target's name in one `os.replace`. A reader sees
the old file or the new one, never a half-written one. It sits on the base floor (no ingest
imports) so that the raw store and the release store can both stand on it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

TMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a created, renamed or removed file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes | Iterable[bytes], sync_dir: bool = True) -> Path:
    """Replace path's content atomically and durably (temporary file, fsync, os.replace, and with
    sync_dir an fsync of the folder so the new name survives a power cut); return path.
    The file gets the mode a plain open() would give it (umask applies)."""
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes | bytearray | memoryview):
                fh.write(data)
            else:
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)
    return path
