"""The code index (codes.jsonl) and descriptor-based code resolution."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.codes import (
    CodeReference,
    build_index,
    find_codes,
    resolve_code_by_descriptor,
)

from .seed_pages import GLOSSARY, PROCEDURES


def ref(system, code, description=None, record_id="r1", record_type="term", field="codes"):
    return CodeReference(system=system, code=code, description=description, record_id=record_id,
                         record_type=record_type, field=field)


def glossary_refs(page: str, record_id: str = "001") -> list[CodeReference]:
    return [
        ref(m.system, m.code, m.description, record_id, "term", "codes" if m.context == "table" else "definition")
        for m in find_codes(page, dedupe=False)
        if m.kind == "code"
    ]


def by_key(entries):
    return {(e.system, e.code): e for e in entries}


def test_index_from_glossary(seed):
    entries = build_index(glossary_refs(seed(GLOSSARY)))
    keys = [(e.system, e.code) for e in entries]
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    idx = by_key(entries)
    g890 = idx[("ICD-10-CM", "G89.0")]
    assert g890.valid and g890.billable and g890.official_title == "Central pain syndrome"
    assert {c.kind for c in g890.conflicts} == {"official_title_mismatch"}
    assert {c.suggested_code for c in g890.conflicts} == {"G89.3"}
    flagged = {e.code for e in entries if e.system == "ICD-10-CM" and e.conflicts}
    assert flagged == {"G89.0"}
    assert idx[("ICD-10-CM", "G56.42")].descriptors == []  # from the prose range only
    assert idx[("CPT", "64624")].add_on is True and idx[("CPT", "64640")].add_on is False
    assert idx[("CPT", "64640")].referenced_by == {"procedure": [], "term": ["001"], "billing": []}
    assert idx[("MODIFIER", "50")].valid is None


def test_validity_and_normalisation():
    entries = by_key(build_index([
        ref("ICD-10-CM", "g89", record_id="t1"), ref("ICD-10-CM", "G99.99X", record_id="t1"),
        ref("ICD-10-CM", "G8929", record_id="t2"), ref("CPT", "6464", record_id="p1", record_type="procedure"),
    ]))
    assert (entries[("ICD-10-CM", "G89")].valid, entries[("ICD-10-CM", "G89")].billable) == (True, False)
    assert entries[("ICD-10-CM", "G99.99X")].valid is False
    assert entries[("ICD-10-CM", "G89.29")].official_title == "Other chronic pain"
    assert entries[("CPT", "6464")].valid is False


def test_cross_source_conflicts_never_overwrite():
    a = "Destruction by neurolytic agent; other peripheral nerve or branch"
    b = "Neurolysis of a peripheral nerve"
    entry = build_index([
        ref("CPT", "64640", a, "001", "term"), ref("CPT", "64640", b, "proc-9", "procedure", "title"),
        ref("CPT", "64640", a, "001", "term", "definition"),  # same text + record: one descriptor
        ref("CPT", "64640", a + " (primary)", "bill-3", "billing", "code"),
    ])[0]
    assert [(d.text, d.record_id) for d in entry.descriptors] == [(a, "001"), (a + " (primary)", "bill-3"), (b, "proc-9")]
    assert entry.descriptors[0].field == "codes"
    assert [c.kind for c in entry.conflicts] == ["cross_source_descriptor"]
    assert entry.conflicts[0].sources == ["001", "bill-3", "proc-9"]
    assert [v.sources for v in entry.variants] == [["001", "bill-3"]]
    assert entry.referenced_by == {"procedure": ["proc-9"], "term": ["001"], "billing": ["bill-3"]}


def test_resolve_seed_000_title_from_glossary_table(seed):
    entries = build_index(glossary_refs(seed(GLOSSARY), "001"))
    title_000 = seed(PROCEDURES[0]).splitlines()[2]
    assert resolve_code_by_descriptor(title_000, entries) == ("64640", "descriptor_match:001")
    assert resolve_code_by_descriptor(title_000.upper().replace(" ", "  "), entries)[0] == "64640"
    for name in PROCEDURES[1:]:  # 002 and 003 have no matching table row
        assert resolve_code_by_descriptor(seed(name).splitlines()[1], entries) is None


def test_resolve_never_guesses():
    full = "Destruction by neurolytic agent; intercostal nerve, each additional nerve"
    entries = build_index([
        ref("CPT", "64620", "Destruction by neurolytic agent; intercostal nerve"),
        ref("CPT", "64624", full),
        ref("CPT", "11111", "Same words"), ref("CPT", "22222", "Same words", record_id="r2"),
        ref("ICD-10-CM", "G89.4", "Chronic pain syndrome"),
    ])
    assert resolve_code_by_descriptor("Destruction by neurolytic agent; intercostal nerve", entries)[0] == "64620"
    assert resolve_code_by_descriptor("Destruction by neurolytic agent", entries) is None  # prefix
    assert resolve_code_by_descriptor("intercostal nerve, each additional nerve", entries) is None  # substring
    assert resolve_code_by_descriptor(full + " (add-on)", entries) is None  # not exact
    assert resolve_code_by_descriptor("Same words", entries) is None  # ambiguous
    assert resolve_code_by_descriptor("Chronic pain syndrome", entries) is None  # not a procedure system
    assert resolve_code_by_descriptor(full, entries, exclude_record_id="r1") is None
    assert resolve_code_by_descriptor("", entries) is None


POOL = [
    ref("ICD-10-CM", "G89.0", "Central pain syndrome (cancer-related chronic pain)", "t1"),
    ref("ICD-10-CM", "g89.0", "Central pain syndrome", "t2", field="definition"),
    ref("ICD-10-CM", "G56.41", None, "t1"),
    ref("CPT", "64640", "Destruction by neurolytic agent; other peripheral nerve or branch", "t1"),
    ref("CPT", "64640", "Neurolysis, peripheral", "p1", "procedure", "title"),
    ref("CPT", "64640", None, "b1", "billing", "code"),
    ref("CPT", "64633", "X, each additional nerve (add-on)", "t1"),
    ref("CPT", "64633", "X, each additional nerve", "p2", "procedure", "title"),
    ref("MODIFIER", "50", None, "b1", "billing", "modifiers"),
    ref("MODIFIER", "26", "Professional component", "b1", "billing", "modifiers"),
    ref("MODIFIER", "26", "Professional component", "b1", "billing", "definition"),
    ref("HCPCS", "J1100", "Injection, dexamethasone", "b2", "billing", "code"),
]


@settings(max_examples=60, deadline=None)
@given(st.permutations(POOL), st.lists(st.sampled_from(POOL), max_size=6))
def test_index_is_shuffle_invariant(shuffled, extra):
    reference = build_index(POOL + extra)
    assert build_index(list(shuffled) + extra) == reference
    mixed = list(shuffled) + extra
    random.Random(len(extra)).shuffle(mixed)
    assert [e.model_dump() for e in build_index(mixed)] == [e.model_dump() for e in reference]
