"""Cross-references across pages: codes resolved from other pages' code tables, and the code index."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from ingest.codes import CodeReference, build_index, system_of
from ingest.codes.index import DescriptorIndex
from ingest.jsonl import json_line
from ingest.extract.entity import code_entity
from ingest.models import BY_DATASET


@dataclass(slots=True)
class Item:
    """One extracted record on its way into a release: its dataset, its release line, the codes it refers to."""

    dataset: str
    line: bytes
    code_refs: list[dict]
    record_id: str
    path: str  # the page's path under --raw (its primary source)


def _references(items: Iterable[Item], remap: dict[str, str] | None = None) -> list[CodeReference]:
    refs = []
    remap = remap or {}
    for item in items:
        rid = remap.get(item.path, item.record_id)
        for ref in item.code_refs:
            refs.append(CodeReference(system=ref["system"], code=ref["code"], description=ref["description"],
                                      record_id=rid, record_type=BY_DATASET[item.dataset].name, field=ref["field"]))
    return refs


def resolve_procedure_codes(items: list[Item]) -> int:
    """Give procedure records that state no code the code whose descriptor (in another page's
    code table) equals their title exactly; returns how many were resolved. Items change in place."""
    # a procedure's own code is always among its code references (field "code"), see ingest.extract.refs
    unresolved = [item for item in items
                  if item.dataset == "procedures" and not any(ref["field"] == "code" for ref in item.code_refs)]
    if not unresolved:
        return 0
    # only what resolution reads: CPT/HCPCS references that carry a descriptor (no ICD checks)
    descriptors = DescriptorIndex(build_index(r for r in _references(items)
                                              if r.system in ("CPT", "HCPCS") and r.description))
    resolved = 0
    for item in unresolved:
        record = orjson.loads(item.line)
        if record["code"]:
            continue
        found = descriptors.resolve(record["title"], exclude_record_id=record["id"])
        if found is None:
            continue
        code, how = found
        system = system_of(code)
        record.update(code=code, code_system=system, code_source=how, entity=code_entity(system, code))
        item.line = json_line(record)
        item.code_refs.append({"system": system, "code": code, "description": record["title"], "field": "code"})
        resolved += 1
    return resolved


def code_index(items: Iterable[Item], remap: dict[str, str] | None = None) -> list[dict]:
    """codes.jsonl: one entry per (system, code) referenced anywhere in the release, pointing to every
    record of the code (remap: page path -> id of the record a copy collapsed into)."""
    return [entry.model_dump(mode="json") for entry in build_index(_references(items, remap))]
