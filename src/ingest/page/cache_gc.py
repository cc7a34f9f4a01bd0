"""Retention of the extraction cache (`ingest gc --keep N` runs it with the releases' retention).

An entry's modification time is when it was last used: written by a build, or refreshed by a hit
(at most once a day, ingest.page.cache.TOUCH_AFTER). gc removes an entry that the build of the
latest release did not use AND that was not used within the cache age (`--cache-age`, 30 days by
default): entries of pages that changed or left, of old settings, of old extractor versions. So a
next build with unchanged inputs still finds every entry it needs, however old `latest` is, and
an entry another build (other settings, another raw folder into the same output) used lately stays.

Also removed: the SQLite cache of the layout before (`.cache/extract.sqlite*`: no build reads it),
temporary entries of killed writers older than the temporary age, and damaged entries set aside
(`corrupt/`) longer ago than the cache age. gc holds the output folder's lock (the CLI takes it),
and a build on another machine that writes meanwhile only adds entries newer than the cutoff.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.page.cache import CACHE_DIR, CORRUPT_DIR, TMP_PREFIX, TOUCH_AFTER

CACHE_AGE = 30 * 86400.0  # seconds: the default of `ingest gc --cache-age`
LEGACY = "extract.sqlite"  # .cache/extract.sqlite, its -wal/-shm and .corrupt-* copies


@dataclass
class CacheGcResult:
    """What a cache gc removed (or, dry run, would remove)."""

    entries: int = 0  # cache entries
    bytes: int = 0  # their size
    cutoff: float = 0.0  # entries last used before this (epoch seconds) went
    paths: list[Path] = field(default_factory=list)  # the rest: the old SQLite files, leftovers, set-aside entries


def gc_cache(out_dir: Path, max_age: float = CACHE_AGE, in_use_since: float | None = None, dry_run: bool = False,
             tmp_max_age: float = 3600.0, now: float | None = None) -> CacheGcResult:
    """Sweep out_dir's extraction cache. `in_use_since`: when the latest release's build started (None: no
    release); entries used since then (less TOUCH_AFTER, the touch granularity) are kept whatever their age."""
    now = time.time() if now is None else now
    cutoff = now - max_age
    if in_use_since is not None:
        cutoff = min(cutoff, in_use_since - TOUCH_AFTER)
    result = CacheGcResult(cutoff=cutoff)
    cache = Path(out_dir) / ".cache"
    doomed: list[Path] = sorted(cache.glob(f"{LEGACY}*")) if cache.is_dir() else []
    root = Path(out_dir) / CACHE_DIR
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # a concurrent writer renamed it, or a reader set it aside
                continue
            if folder.name == CORRUPT_DIR:
                if stat.st_ctime < now - max_age:  # ctime: when it was moved aside
                    doomed.append(Path(entry.path))
            elif entry.name.startswith(TMP_PREFIX):
                if stat.st_mtime < now - tmp_max_age:
                    doomed.append(Path(entry.path))
            elif stat.st_mtime < cutoff:
                result.entries += 1
                result.bytes += stat.st_size
                if not dry_run:
                    _unlink(Path(entry.path))
    result.paths = doomed
    if not dry_run:
        for path in doomed:
            _unlink(path)
    return result


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
