"""Cross-references across pages: codes resolved from other pages' code tables, and the code index."""

from __future__ import annotations

from collections.abc import Iterable

from ingest.codes import CodeReference, build_index
from ingest.codes.index import DescriptorIndex
from ingest.pipeline import record_id

RECORD_TYPE = {"procedures": "procedure", "terms": "term", "billing": "billing"}


def _references(items: Iterable[tuple[str, dict, list[dict]]], remap: dict[str, str] | None = None) -> list[CodeReference]:
    refs = []
    remap = remap or {}
    for dataset, record, code_refs in items:
        record_id = remap.get(record["id"], record["id"])
        for ref in code_refs:
            refs.append(CodeReference(system=ref["system"], code=ref["code"], description=ref["description"],
                                      record_id=record_id, record_type=RECORD_TYPE[dataset], field=ref["field"]))
    return refs


def resolve_procedure_codes(items: list[tuple[str, dict, list[dict]]]) -> int:
    """Give procedure records that state no code the code whose descriptor (in another page's
    code table) equals their title exactly; returns how many were resolved. Records change in place."""
    unresolved = [(record, refs) for dataset, record, refs in items if dataset == "procedures" and not record["code"]]
    if not unresolved:
        return 0
    # only what resolution reads: CPT/HCPCS references that carry a descriptor (no ICD checks)
    descriptors = DescriptorIndex(build_index(r for r in _references(items) if r.system in ("CPT", "HCPCS") and r.description))
    resolved = 0
    for record, refs in unresolved:
        found = descriptors.resolve(record["title"], exclude_record_id=record["id"])
        if found is None:
            continue
        code, how = found
        system = "HCPCS" if code[0].isalpha() else "CPT"
        record.update(code=code, code_system=system, code_source=how,
                      id=record_id("procedure", code, system, record["title"]))
        refs.append({"system": system, "code": code, "description": record["title"], "field": "code"})
        resolved += 1
    return resolved


def code_index(items: Iterable[tuple[str, dict, list[dict]]], remap: dict[str, str] | None = None) -> list[dict]:
    """codes.jsonl: one entry per (system, code) referenced anywhere in the release
    (references of records merged into another point at the record they became)."""
    return [entry.model_dump(mode="json") for entry in build_index(_references(items, remap))]
