"""Record-level deduplication: copies collapse into one record, different documents never do.

Policy (documented in the README and tested):
- a record is one document; only copies of it collapse into it: exact copies (same content after
  normalization) and near-duplicates (shingle Jaccard >= threshold *with the record's primary page*:
  the same page under several URLs, a print version, a syndicated copy, a re-dated re-upload);
- the newest copy is the primary: the page date a page states ("Last updated", article:modified_time,
  JSON-LD dateModified), else its fetch time, else the smallest path (for a stable order); the record's
  fields are the primary page's, never filled from another page;
- every copy stays in `sources` with its role: primary, exact_duplicate or near_duplicate;
- records about the same thing (same code, same name) stay separate: they share an `entity`;
- two different documents claiming one id (one URL) stay separate: the newest keeps the id, the others
  take `fallback_id` (their raw path's id);
- input order never changes the output.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from ingest.dedup.copies import NOT_CONTENT, RecordTexts, collapse_copies, path_id, recency, record_text
from ingest.dedup.staged import entries_of, plan, write_entries
from ingest.jsonl import Records

__all__ = ["NOT_CONTENT", "Deduplicated", "RecordTexts", "collapse_copies", "deduplicate", "recency", "record_text"]


class Deduplicated(NamedTuple):
    records: Records  # one per document, sorted by id
    clusters: list[dict]  # duplicates.jsonl lines (exact and near_duplicate copy clusters)
    remap: dict[str, str]  # page path -> id of the record it ended in, where that is not its own id
    renamed: int  # records that took their fallback id because a newer document claimed the same id


def deduplicate(dataset: str, records: Records | Sequence[dict], threshold: float,
                fallback_id: Callable[[dict], str] = path_id) -> Deduplicated:
    """Collapse exact and near-duplicate copies; records stay release lines (``Records``) except
    the few decoded to be collapsed or renamed. The staged code (``ingest.dedup.staged``) run on
    records in memory: entries, plan over a temp folder, plan applied."""
    lines = Records.of(records).lines
    by_path: dict[str, bytes] = {}
    rows: list[tuple[str, str, bytes]] = []  # (id, path, line) as extracted
    entries = []
    for start in range(0, len(lines), 1000):
        for entry, line in zip(entries_of(dataset, lines[start:start + 1000], threshold),
                               lines[start:start + 1000], strict=True):
            entries.append(entry)
            by_path[entry.path] = line
            rows.append((entry.id, entry.path, line))
    if len(by_path) != len(lines):
        raise ValueError(f"{dataset}: two records have one primary page")
    rows.sort(key=lambda row: row[0])
    with tempfile.TemporaryDirectory(prefix="dedup-") as tmp:
        write_entries(Path(tmp) / "entries.jsonl", entries, threshold)
        done = plan(dataset, [Path(tmp) / "entries.jsonl"], threshold, by_path.__getitem__,
                    workdir=tmp, fallback_id=fallback_id)
        try:
            return Deduplicated(Records(done.merge(rows)), list(done.cluster_lines()), done.remap, done.renamed)
        finally:
            done.close()
