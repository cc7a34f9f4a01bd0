"""Cross-references across pages: codes resolved from other pages' code tables, and the code index.

Both read the pages' bookkeeping lines (ingest.assembly.parts: path, dataset, record id and code
references of every record), never the records themselves: resolution needs the CPT/HCPCS
descriptors of all pages before any record is written, a small first pass over those lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from ingest.assembly.extsort import grouped
from ingest.codes import CodeReference, build_index, system_of
from ingest.codes.index import CodeEntry, DescriptorIndex
from ingest.codes.recognise import normalise_code
from ingest.extract.entity import code_entity
from ingest.jsonl import json_line
from ingest.models import BY_DATASET


def _references(pages: Iterable[dict], remap: dict[str, str] | None = None,
                added: dict[str, dict] | None = None) -> Iterator[dict]:
    """The code references of the records of pages (bookkeeping lines), with the record ids they end
    under (remap: page path -> id of the record a copy collapsed into; added: path -> a reference
    resolution gave the record)."""
    remap, added = remap or {}, added or {}
    for page in pages:
        if page.get("dataset") is None:
            continue
        rid = remap.get(page["path"], page["id"])
        refs = page["code_refs"] + ([added[page["path"]]] if page["path"] in added else [])
        for ref in refs:
            yield {"system": ref["system"], "code": ref["code"], "description": ref["description"],
                   "record_id": rid, "record_type": BY_DATASET[page["dataset"]].name, "field": ref["field"]}


def unresolved(page: dict) -> bool:
    """A procedure record that states no code (its own code is always among its references, field "code")."""
    return page.get("dataset") == "procedures" and not any(ref["field"] == "code" for ref in page["code_refs"])


def descriptor_index(pages: Iterable[dict], work: Path) -> DescriptorIndex:
    """What resolution reads: CPT/HCPCS references that carry a descriptor (no ICD checks), grouped by
    code through the external sort (sort runs under work)."""
    return DescriptorIndex(_entries((r for r in _references(pages) if r["system"] in ("CPT", "HCPCS")
                                     and r["description"]), work))


def _entries(references: Iterable[dict], work: Path) -> Iterator[CodeEntry]:
    """build_index over the references, one (system, normalised code) group at a time, in its order."""
    rows = ([r["system"], normalise_code(r["system"], r["code"]), r] for r in references)
    for _, group in grouped(rows, lambda row: (row[0], row[1]), work):
        yield from build_index(CodeReference(**row[2]) for row in group)


def resolve_line(line: bytes, descriptors: DescriptorIndex) -> tuple[bytes, dict] | None:
    """A procedure record (release line) that states no code, given the code whose descriptor (in another
    page's code table) equals its title exactly: (the new line, the code reference it gained), or None."""
    record = orjson.loads(line)
    if record["code"]:
        return None
    found = descriptors.resolve(record["title"], exclude_record_id=record["id"])
    if found is None:
        return None
    code, how = found
    system = system_of(code)
    record.update(code=code, code_system=system, code_source=how, entity=code_entity(system, code))
    return json_line(record), {"system": system, "code": code, "description": record["title"], "field": "code"}


def code_index(pages: Iterable[dict], work: Path, remap: dict[str, str] | None = None,
               added: dict[str, dict] | None = None) -> Iterator[dict]:
    """codes.jsonl: one entry per (system, code) referenced anywhere in the release, pointing to every
    record of the code, in (system, normalised code) order. The references are sorted externally (runs
    under work), so one code's references are held at a time, never the corpus's."""
    return (entry.model_dump(mode="json") for entry in _entries(_references(pages, remap, added), work))
