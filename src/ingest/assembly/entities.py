"""entities.jsonl: every entity (a code, or a procedure name without one) and the records about it.

Records about the same thing are linked here, never merged: each keeps its own content and id, and
its `entity` field names the line of this file it belongs to. Sorted by entity.

One row a record (entity, dataset order, line, code, name, id, sites) is sorted externally
(ingest.assembly.extsort), so one entity's records are held at a time, never the corpus's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from ingest.assembly.extsort import grouped
from ingest.assembly.quality import site_of
from ingest.models import BY_DATASET, EntityEntry


def _rows(datasets: Mapping[str, Iterable[dict]]) -> Iterator[list]:
    """[entity, code system, code, name, record id, sites] of every record, in dataset then file order."""
    for dataset in BY_DATASET:
        for record in datasets.get(dataset, ()):
            yield [record["entity"], record.get("code_system"), record.get("code"),
                   record.get("title") or record.get("term"), record["id"],
                   sorted({site_of(s) for s in record["sources"]})]


def _entry(entity: str, rows: list[list]) -> dict:
    """The entry of one entity from its rows in dataset then file order: the first record stating a code
    names it."""
    coded = next((row for row in rows if row[2]), None)
    ids = sorted(row[4] for row in rows)
    return EntityEntry(entity=entity, code_system=coded[1] if coded else None, code=coded[2] if coded else None,
                       names=sorted({row[3] for row in rows if row[3]}), record_ids=ids, records=len(ids),
                       sites=sorted({site for row in rows for site in row[5]})).model_dump(mode="json")


def entity_index(datasets: Mapping[str, Iterable[dict]], work: Path) -> Iterator[dict]:
    """One EntityEntry (as a dict) per entity of the records of the page datasets, sorted by entity (the
    sort is stable: an entity's rows keep dataset then file order); sort runs live under work."""
    for entity, rows in grouped(_rows(datasets), lambda row: row[0], work):
        yield _entry(entity, rows)
