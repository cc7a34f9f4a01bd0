"""entities.jsonl: every entity (a code, or a procedure name without one) and the records about it.

Records about the same thing are linked here, never merged: each keeps its own content and id, and
its `entity` field names the line of this file it belongs to. Sorted by entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ingest.assembly.quality import site_of
from ingest.models import BY_DATASET, EntityEntry


def entity_index(datasets: Mapping[str, Iterable[dict]]) -> list[dict]:
    """One EntityEntry (as a dict) per entity of the records of the page datasets."""
    found: dict[str, dict] = {}
    for dataset in BY_DATASET:
        for record in datasets.get(dataset, ()):
            entry = found.get(record["entity"])
            if entry is None:
                entry = found[record["entity"]] = {"entity": record["entity"], "code_system": None, "code": None,
                                                   "names": set(), "record_ids": [], "sites": set()}
            if record.get("code") and entry["code"] is None:
                entry["code_system"], entry["code"] = record.get("code_system"), record["code"]
            name = record.get("title") or record.get("term")
            if name:
                entry["names"].add(name)
            entry["record_ids"].append(record["id"])
            entry["sites"].update(site_of(s) for s in record["sources"])
    return [EntityEntry(entity=e["entity"], code_system=e["code_system"], code=e["code"], names=sorted(e["names"]),
                        record_ids=sorted(e["record_ids"]), records=len(e["record_ids"]),
                        sites=sorted(e["sites"])).model_dump(mode="json")
            for e in (found[k] for k in sorted(found))]
