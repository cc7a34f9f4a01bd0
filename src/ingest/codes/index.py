"""The release's code index (codes.jsonl): one entry per (system, code) the corpus references."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from . import patterns as P
from .cpt import compare_descriptors, is_add_on
from .icd10 import describe_conflict, lookup
from .models import Conflict, RecordType, System
from .normalise import clean_text, match_key
from .recognise import normalise_code

RECORD_TYPES: tuple[RecordType, ...] = ("procedure", "term", "billing")


class CodeReference(BaseModel):
    """A record's reference to a code, with the description it gives (if any)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: System
    code: str
    description: str | None = None
    record_id: str
    record_type: RecordType
    field: str


class Descriptor(BaseModel):
    """A description of a code as one record gives it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    record_id: str
    field: str


class CodeEntry(BaseModel):
    """One line of codes.jsonl.

    ``valid``: ICD -> in the official code set; other systems -> False when the
    format is wrong, None otherwise (no public list to check against).
    ``billable``: ICD only (a leaf of the code set).  ``add_on``: CPT only, from
    descriptor wording (None without descriptors).  ``conflicts`` holds official
    title mismatches (ICD) and cross-source descriptor conflicts (other
    systems); ``variants`` holds compatible descriptor differences.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: System
    code: str
    valid: bool | None
    billable: bool | None = None
    official_title: str | None = None
    add_on: bool | None = None
    descriptors: list[Descriptor] = []
    referenced_by: dict[RecordType, list[str]]
    conflicts: list[Conflict] = []
    variants: list[Conflict] = []


def build_index(references: Iterable[CodeReference]) -> list[CodeEntry]:
    """One ``CodeEntry`` per (system, normalised code), sorted by (system, code).

    The output does not depend on the order of ``references``; descriptors are
    de-duplicated by (text, record) and every source is kept (none overwrites another).
    """
    groups: dict[tuple[str, str], list[CodeReference]] = defaultdict(list)
    for ref in references:
        groups[(ref.system, normalise_code(ref.system, ref.code))].append(ref)
    return [_entry(system, code, refs) for (system, code), refs in sorted(groups.items())]


def _descriptors(refs: Sequence[CodeReference]) -> list[Descriptor]:
    fields: dict[tuple[str, str], str] = {}
    for ref in refs:
        text = clean_text(ref.description or "")
        if text:
            key = (text, ref.record_id)
            fields[key] = min(fields.get(key, ref.field), ref.field)
    return sorted(
        (Descriptor(text=t, record_id=r, field=f) for (t, r), f in fields.items()),
        key=lambda d: (d.record_id, d.text, d.field),
    )


def _entry(system: System, code: str, refs: Sequence[CodeReference]) -> CodeEntry:
    descriptors = _descriptors(refs)
    referenced_by = {t: sorted({r.record_id for r in refs if r.record_type == t}) for t in RECORD_TYPES}
    fields: dict = {"system": system, "code": code, "descriptors": descriptors, "referenced_by": referenced_by}
    if system == "ICD-10-CM":
        info = lookup(code)
        by_text: dict[str, list[str]] = defaultdict(list)
        for d in descriptors:
            by_text[d.text].append(d.record_id)
        conflicts = [describe_conflict(code, t, sources) for t, sources in sorted(by_text.items())]
        fields.update(valid=info.valid, billable=info.billable if info.valid else None,
                      official_title=info.title, conflicts=[c for c in conflicts if c])
        return CodeEntry(**fields)
    well_formed = bool(P.CODE_FORMAT[system].fullmatch(code))
    conflicts, variants = compare_descriptors([(d.text, d.record_id) for d in descriptors], code, system)
    if system == "CPT" and descriptors:
        fields["add_on"] = any(is_add_on(d.text) for d in descriptors)
    fields.update(valid=None if well_formed else False, conflicts=conflicts, variants=variants)
    return CodeEntry(**fields)


class DescriptorIndex:
    """Exact-descriptor lookup over code entries, built once: match key -> {code: record ids}."""

    def __init__(self, entries: Iterable[CodeEntry], systems: Sequence[str] = ("CPT", "HCPCS")) -> None:
        self._by_key: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for entry in entries:
            if entry.system in systems:
                for d in entry.descriptors:
                    self._by_key[match_key(d.text)][entry.code].add(d.record_id)

    def resolve(self, title: str, exclude_record_id: str | None = None) -> tuple[str, str] | None:
        """(code, "descriptor_match:<record_id>") when exactly one code has a descriptor equal to
        ``title`` (ignoring case, whitespace and unicode punctuation only), given by another record."""
        key = match_key(title or "")
        if not key or key not in self._by_key:
            return None
        matches = {code: ids - {exclude_record_id} for code, ids in self._by_key[key].items()}
        matches = {code: ids for code, ids in matches.items() if ids}
        if len(matches) != 1:
            return None
        code, records = next(iter(matches.items()))
        return code, f"descriptor_match:{min(records)}"


def resolve_code_by_descriptor(
    title: str,
    entries: Iterable[CodeEntry],
    systems: Sequence[str] = ("CPT", "HCPCS"),
    exclude_record_id: str | None = None,
) -> tuple[str, str] | None:
    """(code, "descriptor_match:<record_id>") when exactly one code has a descriptor equal to ``title``.

    Equality ignores only case, whitespace and unicode punctuation; prefixes,
    substrings and near matches never resolve, and a descriptor shared by two
    codes is ambiguous (None).  ``exclude_record_id`` ignores the page's own record.
    For many titles, build one ``DescriptorIndex`` and call ``resolve`` on it.
    """
    return DescriptorIndex(entries, systems).resolve(title, exclude_record_id)
