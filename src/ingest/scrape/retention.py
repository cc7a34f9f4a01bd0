"""Raw retention: `ingest gc --raw` removes superseded page versions from a scraped raw store.

A URL's current version (the path its newest manifest line names) is never removed, nor a
version that is current for another URL (identical bodies share a file). Of the superseded
versions of a URL (newest first), `keep_versions` - 1 are kept; with `older_than`, only those
last seen (fetched or revalidated) before the cutoff go; with both, a version goes when both
say so. The store's lock is held throughout (a running scrape makes gc refuse).

Order, for crash safety: files first, then the manifest is rewritten atomically (temporary
file, fsync, rename, fsync of the folder). A gc killed between the two leaves manifest lines
naming missing superseded files, which builds ignore and the next gc removes; never a file
without its manifest line (that would read as a plain page and come back as a record).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

from ingest.atomic import replace_file
from ingest.scrape.store import MANIFEST, store_lock
from ingest.scrape.urls import url_key

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> timedelta:
    """'90d', '12h', '2w', '30m', '45s' -> timedelta (ValueError otherwise)."""
    m = _AGE.match(text or "")
    if not m:
        raise ValueError(f"not an age like 90d, 12h, 2w: {text!r}")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


@dataclass
class RawGcResult:
    """What a raw gc removed (or, dry run, would remove)."""

    removed: list[str] = field(default_factory=list)  # rel paths of superseded versions
    bytes: int = 0
    manifest_lines: int = 0  # manifest lines dropped
    kept_superseded: int = 0  # superseded versions kept by the policy
    dry_run: bool = False


def _iso(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plan(lines: list[dict], keep_versions: int | None, older_than: timedelta | None,
         now: datetime | None = None) -> tuple[set[str], int]:
    """(paths to remove, superseded versions kept) for manifest lines in file order."""
    if keep_versions is None and older_than is None:
        raise ValueError("give keep_versions and/or older_than")
    if keep_versions is not None and keep_versions < 1:
        raise ValueError("keep_versions must be at least 1 (the current version)")
    cutoff = _iso((now or datetime.now(timezone.utc)) - older_than) if older_than is not None else None
    newest: dict[str, dict] = {}
    seen: dict[str, dict[str, str]] = {}  # url key -> path -> last time this URL's line named it
    for entry in lines:
        if not isinstance(entry.get("url"), str):
            continue
        key = url_key(entry["url"])
        newest[key] = entry
        if entry.get("path"):
            seen.setdefault(key, {})[entry["path"]] = entry.get("fetched_at") or ""
    current = {e["path"] for e in newest.values() if e.get("path")}
    doomed: set[str] = set()
    kept: set[str] = set()
    for key, paths in seen.items():
        older = sorted((p for p in paths if p != newest[key].get("path")), key=lambda p: paths[p], reverse=True)
        for rank, path in enumerate(older, start=2):  # the current version is number 1
            by_count = keep_versions is None or rank > keep_versions
            by_age = cutoff is None or paths[path] < cutoff
            (doomed if by_count and by_age else kept).add(path)
    kept -= current
    doomed -= current | kept  # a body shared with a URL that keeps (or is at) it stays
    return doomed, len(kept)


def gc_raw(raw_dir: Path, keep_versions: int | None = None, older_than: timedelta | None = None,
           dry_run: bool = False, now: datetime | None = None) -> RawGcResult:
    """Remove superseded versions beyond the policy and their manifest lines (see module doc).
    Raises StoreBusy when a scrape holds the store."""
    raw_dir = Path(raw_dir)
    manifest = raw_dir / MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(f"no {MANIFEST} in {raw_dir}: not a scraped raw store")
    with store_lock(raw_dir):
        raw_lines = [line for line in manifest.read_bytes().splitlines(keepends=True) if line.strip()]
        entries = []
        for line in raw_lines:
            try:
                entries.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                entries.append({})  # a torn line is kept as it is
        doomed, kept = plan(entries, keep_versions, older_than, now)
        result = RawGcResult(removed=sorted(doomed), kept_superseded=kept, dry_run=dry_run)
        keep_lines = [line for line, e in zip(raw_lines, entries) if e.get("path") not in doomed]
        result.manifest_lines = len(raw_lines) - len(keep_lines)
        for rel in result.removed:
            try:
                result.bytes += (raw_dir / rel).stat().st_size
            except OSError:
                pass
        if dry_run or not doomed:
            return result
        for rel in result.removed:
            (raw_dir / rel).unlink(missing_ok=True)
        replace_file(manifest, (line if line.endswith(b"\n") else line + b"\n" for line in keep_lines))
    return result
