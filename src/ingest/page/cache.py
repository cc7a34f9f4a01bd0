"""Extraction cache: per-page results in SQLite under the output folder.

Key: the page's identity and content (path, SHA-256 of its bytes, URL, fetch time, HTTP
charset) plus the settings that change extraction. Each entry also stores the versions of
the extractor components it depended on (see ingest.EXTRACTOR_VERSIONS); an entry whose
components changed is ignored, so an extractor bump re-extracts exactly the affected pages.
SQLite (WAL mode) is embedded, survives crashes mid-write (a transaction is all or
nothing) and needs no server; the file can be deleted at any time to start cold.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import orjson

from ingest import EXTRACTOR_VERSIONS
from ingest.errors import TRANSIENT_REASONS
from ingest.models import PAGE_TYPES
from ingest.page.acquire import PageRef
from ingest.page.process import PageResult
from ingest.settings import BuildSettings

CACHE_FILE = ".cache/extract.sqlite"
_TABLE = "page_results"
_RESULT_FIELDS = tuple(f.name for f in fields(PageResult) if f.name not in ("record_json", "ref"))  # record: own column


def depends_on(page_type: str | None) -> dict[str, str]:
    """Versions of the components a result for this page type depended on."""
    parts = ["decode", "parse", "classify"] + ([page_type] if page_type in PAGE_TYPES else list(PAGE_TYPES))
    return {p: EXTRACTOR_VERSIONS[p] for p in parts}


def page_key(ref: PageRef, sha256: str, settings: BuildSettings) -> str:
    """Cache key of one page: identity, content and the settings that shape extraction."""
    raw = "\0".join([ref.rel_path, sha256, ref.url or "", ref.fetched_at or "", ref.http_charset or "",
                     str(settings.max_page_bytes)] + ([f"previous_versions={ref.previous_versions}"]
                                                       if ref.previous_versions else []))
    return hashlib.sha256(raw.encode()).hexdigest()


class ExtractionCache:
    """Get and put PageResults by page key."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("DROP TABLE IF EXISTS results")  # the layout before record lines had their own column
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {_TABLE} (key TEXT PRIMARY KEY, page_type TEXT, versions TEXT, "
                        "result BLOB, record BLOB)")

    @classmethod
    def for_output(cls, out_dir: Path) -> ExtractionCache:
        return cls(Path(out_dir) / CACHE_FILE)

    def get_many(self, keys: list[str]) -> dict[str, PageResult]:
        """Valid cached results for the keys that have one."""
        found: dict[str, PageResult] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self.db.execute(f"SELECT key, page_type, versions, result, record FROM {_TABLE} "
                                   f"WHERE key IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            for key, page_type, versions, result, record in rows:
                if orjson.loads(versions) == depends_on(page_type):
                    found[key] = PageResult(**orjson.loads(result), record_json=record)
        return found

    def put_many(self, items: Iterable[tuple[str, PageResult]]) -> None:
        """Store results (one transaction)."""
        rows = []
        for key, result in items:
            if result.quarantine and result.quarantine["reason"] in TRANSIENT_REASONS:
                continue  # environmental or a bug: try again next time
            fields = {name: getattr(result, name) for name in _RESULT_FIELDS}
            rows.append((key, result.page_type, orjson.dumps(depends_on(result.page_type)).decode(),
                         orjson.dumps(fields), result.record_json))
        self.db.execute("BEGIN")
        self.db.executemany(f"INSERT OR REPLACE INTO {_TABLE} VALUES (?, ?, ?, ?, ?)", rows)
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def extract_with_cache(pages: list[tuple[PageRef, str | None]], settings: BuildSettings, cache: ExtractionCache | None,
                       on_progress=None) -> tuple[list[PageResult], int]:
    """PageResults for pages (sorted by path), reusing cached ones; returns (results, cache hits)."""
    from ingest.page.parallel import extract_pages

    progress = on_progress or (lambda n: None)
    if cache is None:
        return extract_pages([ref for ref, _ in pages], settings, on_progress), 0
    keys = {ref.rel_path: page_key(ref, sha, settings) for ref, sha in pages if sha}
    hits = cache.get_many(list(keys.values()))
    cached = []
    for ref, _ in pages:
        if (hit := hits.get(keys.get(ref.rel_path))) is not None:
            hit.ref = ref
            cached.append(hit)
    progress(len(cached))
    todo = [ref for ref, _ in pages if keys.get(ref.rel_path) not in hits]
    fresh = extract_pages(todo, settings, on_progress) if todo else []
    shas = {ref.rel_path: sha for ref, sha in pages}
    # only results of the bytes that were fingerprinted (a file rewritten meanwhile is not cached)
    cache.put_many((keys[r.rel_path], r) for r in fresh if r.rel_path in keys and r.sha256 == shas[r.rel_path])
    return sorted(cached + fresh, key=lambda r: r.rel_path), len(cached)
