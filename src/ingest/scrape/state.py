"""Crawl state for resume: runs and their frontier in SQLite under raw/.scrape-state/."""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .store import utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS frontier (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL,
    depth INTEGER NOT NULL, found_on TEXT, status TEXT NOT NULL, outcome TEXT, bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, kind, key)
);
"""


@dataclass(frozen=True)
class Item:
    """One frontier entry: a page or a sitemap to process."""

    kind: str  # "page" | "sitemap"
    key: str
    url: str
    depth: int = 0
    found_on: str | None = None


class CrawlState:
    """Runs and frontier; the newest unfinished run is resumed, else a new run starts."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(directory / "state.sqlite3", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        row = self._db.execute(
            "SELECT run_id, started_at FROM runs WHERE finished_at IS NULL ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        self.resumed = row is not None
        if row is None:
            row = (uuid.uuid4().hex, utc_now())
            self._db.execute("INSERT INTO runs (run_id, started_at) VALUES (?, ?)", row)
        self.run_id, self.started_at = row

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def begin(self) -> None:
        """Start a transaction (pair with commit())."""
        self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit the open transaction."""
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        """Abandon the open transaction."""
        self._db.execute("ROLLBACK")

    def add(self, item: Item, outcome: str | None = None) -> bool:
        """Insert an item (pending, or done with `outcome`); False if this run already has it."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO frontier (run_id, kind, key, url, depth, found_on, status, outcome)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.run_id,
                item.kind,
                item.key,
                item.url,
                item.depth,
                item.found_on,
                "pending" if outcome is None else "done",
                outcome,
            ),
        )
        return cur.rowcount == 1

    def complete(self, item: Item, outcome: str, size: int = 0) -> None:
        """Mark an item done with its outcome and stored byte count."""
        self._db.execute(
            "UPDATE frontier SET status='done', outcome=?, bytes=? WHERE run_id=? AND kind=? AND key=?",
            (outcome, size, self.run_id, item.kind, item.key),
        )

    def mark_alias(self, key: str, url: str) -> None:
        """A page reached as a redirect target: never fetch it again in this run."""
        item = Item("page", key, url)
        if not self.add(item, "alias"):
            self._db.execute(
                "UPDATE frontier SET status='done', outcome='alias'"
                " WHERE run_id=? AND kind='page' AND key=? AND status='pending'",
                (self.run_id, key),
            )

    def is_pending(self, item: Item) -> bool:
        """True if the item still needs processing."""
        row = self._db.execute(
            "SELECT status FROM frontier WHERE run_id=? AND kind=? AND key=?", (self.run_id, item.kind, item.key)
        ).fetchone()
        return row is not None and row[0] == "pending"

    def pending(self) -> list[Item]:
        """Pending items in discovery order."""
        rows = self._db.execute(
            "SELECT kind, key, url, depth, found_on FROM frontier WHERE run_id=? AND status='pending' ORDER BY seq",
            (self.run_id,),
        )
        return [Item(*row) for row in rows]

    def page_count(self) -> int:
        """Pages known to this run (any status, aliases excluded)."""
        (n,) = self._db.execute(
            "SELECT COUNT(*) FROM frontier WHERE run_id=? AND kind='page' AND COALESCE(outcome,'') NOT IN ('alias')"
            " AND COALESCE(outcome,'') NOT LIKE 'skipped:%'",
            (self.run_id,),
        ).fetchone()
        return n

    def outcomes(self) -> tuple[Counter[str], int]:
        """Count of each outcome in this run and total stored bytes."""
        counts: Counter[str] = Counter()
        total = 0
        for outcome, n, size in self._db.execute(
            "SELECT outcome, COUNT(*), SUM(bytes) FROM frontier WHERE run_id=? AND status='done' GROUP BY outcome",
            (self.run_id,),
        ):
            counts[outcome] = n
            total += size or 0
        return counts, total

    def finish(self) -> None:
        """Mark the run finished; the next invocation starts a new (refresh) run."""
        self._db.execute("UPDATE runs SET finished_at=? WHERE run_id=?", (utc_now(), self.run_id))
