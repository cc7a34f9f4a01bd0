"""Retention: `ingest gc` removes old releases (never the one `latest` points to) and leftovers of killed builds.

gc holds the output folder's lock (ingest.release.lock) while it removes anything, so no build
can switch `latest` between gc reading it and deleting releases."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from ingest.release.layout import RELEASES, STAGING, TMP_PREFIX, latest_release, newest_valid_release, release_dirs
from ingest.release.lock import out_lock

TMP_MAX_AGE = 3600.0  # seconds after which a leftover temporary directory is stale whatever its pid


def gc_releases(out_dir: Path, keep: int, dry_run: bool = False, tmp_max_age: float = TMP_MAX_AGE,
                wait: bool = False) -> list[Path]:
    """gc under out_dir's lock (a dry run takes none): OutputLocked while a build or gc holds it, unless `wait`."""
    if dry_run or not Path(out_dir).is_dir():
        return _gc_releases(out_dir, keep, dry_run, tmp_max_age)
    with out_lock(Path(out_dir), "gc", wait=wait):
        return _gc_releases(out_dir, keep, dry_run, tmp_max_age)


def _gc_releases(out_dir: Path, keep: int, dry_run: bool = False, tmp_max_age: float = TMP_MAX_AGE) -> list[Path]:
    """Remove all but the `keep` newest releases (never the one `latest` points to nor the newest valid
    one, which count towards `keep`) and stale temporary leftovers of killed builds; return what was (or would be) removed.

    Every staging folder (`.staging/<key>`: the batch parts of a build killed or refused before it
    published) is stale: gc holds the lock, so no build is using it (a rerun would have reused its
    complete batches; without them it extracts again, from the cache).

    A `.tmp-*` directory or `.tmp-latest-*` link is stale when older than tmp_max_age seconds
    or when the process whose pid ends its name is gone.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    out_dir = Path(out_dir)
    dirs = release_dirs(out_dir)
    protected = protected_releases(out_dir)
    others = [d for d in dirs if d.resolve() not in protected]
    budget = keep - (len(dirs) - len(others))
    doomed = others[:max(0, len(others) - budget)]
    now = time.time()
    root = out_dir / RELEASES
    for folder, prefix in ((root, TMP_PREFIX), (out_dir, f"{TMP_PREFIX}latest-")):
        if folder.is_dir():
            doomed += sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and _stale(p, now, tmp_max_age))
    if (out_dir / STAGING).is_dir():
        doomed += sorted((out_dir / STAGING).iterdir())
    if not dry_run:
        for path in doomed:
            _remove(path)
    return doomed


def protected_releases(out_dir: Path) -> set[Path]:
    """Releases gc never removes: the one `latest` points to, and the newest valid one (when `latest` is
    corrupt, the next build diffs against it and readers may fall back to it). They count towards keep."""
    found = {latest_release(out_dir), newest_valid_release(out_dir)}
    return {p.resolve() for p in found if p is not None}


def _stale(path: Path, now: float, max_age: float) -> bool:
    try:
        age = now - path.lstat().st_mtime
    except FileNotFoundError:
        return False
    if age > max_age:
        return True
    pid = path.name.rsplit("-", 1)[-1]
    return pid.isdigit() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    if not path.name.startswith("."):  # hide it first: a gc killed mid-way leaves no half release in view
        hidden = path.with_name(f"{TMP_PREFIX}gc-{path.name}-{os.getpid()}")
        os.rename(path, hidden)
        path = hidden
    shutil.rmtree(path, ignore_errors=True)
