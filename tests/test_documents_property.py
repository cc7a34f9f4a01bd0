"""Property over generated page sets (several sites, shared titles and codes, copies of many kinds):
every field value of a record comes from its primary page or a near-duplicate of it, and every page
is in exactly one record, whose primary it is or which it is a copy of (nothing fused, nothing lost)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.assembly.assemble import assemble
from ingest.dedup.minhash import MinHasher, jaccard
from ingest.dedup.normalize import content_key
from ingest.dedup.records import NOT_CONTENT, record_text
from ingest.page.acquire import discover_pages
from ingest.page.parallel import extract_pages
from ingest.settings import BuildSettings, settings_default
from tests.documents import SECTIONS, Page

THRESHOLD = settings_default("dedup_threshold")
WORDS = ("knee joint surgeon rest ice walk frame physiotherapy clot infection bandage stitches pain relief "
         "swelling antibiotics crutches exercise implant cartilage bone clinic nurse week day night").split()

sentence = st.lists(st.sampled_from(WORDS), min_size=6, max_size=12).map(lambda ws: " ".join(ws).capitalize())
document = st.fixed_dictionaries({
    "site": st.sampled_from(["northside", "southside", "eastside"]),
    # titles shared across sites; a coded page's title is no uncoded page's, so that no code is resolved
    # from another page's descriptor (a documented cross-page enrichment, `code_source: descriptor_match:`)
    "title": st.sampled_from(["Knee Replacement", "Hip Replacement", "Total Knee Arthroplasty"]),
    "date": st.sampled_from([None, "2025-01-01", "2026-01-01"]),
    "summary": sentence,
    "items": st.fixed_dictionaries({name: st.lists(sentence, min_size=2, max_size=4) for name in SECTIONS}),
    # copies of it under other URLs: exact (syndicated), print (other chrome), near (one item edited),
    # short (a section dropped: a copy that lacks what the primary has), newer (re-dated, one item added)
    "copies": st.lists(st.sampled_from(["exact", "print", "near", "short", "newer"]), max_size=3),
})


def _copy(page: Page, kind: str, n: int) -> Page:
    items = {k: list(v) for k, v in page.items.items()}
    copy = Page(page.title, page.summary, items, url=f"https://mirror{n}.example/{page.url.rsplit('/', 1)[-1]}",
                code=page.code, date=page.date, site_name=f"Mirror {n}", print_version=kind == "print")
    filled = [k for k in SECTIONS if items.get(k)]
    if kind == "near" and filled:
        items[filled[-1]][-1] += " today"
    elif kind == "short" and filled:
        items.pop(filled[0])
    elif kind == "newer":
        copy.date = "2027-01-01"
        items.setdefault("recovery", []).append("See your surgeon after two weeks")
    return copy


def _pages(docs: list[dict]) -> dict[str, Page]:
    pages = {}
    for i, d in enumerate(docs):
        page = Page(d["title"], d["summary"], d["items"], url=f"https://{d['site']}.example/doc-{i}",
                    code="27447" if d["title"] == "Total Knee Arthroplasty" else None, date=d["date"], site_name=f"{d['site'].title()} Clinic")
        pages[f"{d['site']}/doc-{i}.html"] = page
        for n, kind in enumerate(d["copies"]):
            pages[f"mirror{n}/doc-{i}-{kind}.html"] = _copy(page, kind, n)
    return pages


def _copies(a: dict, b: dict, hasher: MinHasher) -> bool:
    """True when page b's extraction is an exact or near-duplicate copy of page a's (as dedup defines them)."""
    ta, tb = record_text(a), record_text(b)
    if content_key(ta) == content_key(tb):
        return True
    sa, sb = hasher.shingle_sets([ta, tb])
    return jaccard(sa, sb) >= THRESHOLD


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(document, min_size=1, max_size=4))
def test_every_field_of_a_record_comes_from_its_primary_page_or_a_copy_of_it(docs):
    hasher = MinHasher()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp)
        for rel, page in _pages(docs).items():
            page.write(raw, rel)
        results = extract_pages(list(discover_pages(raw)), BuildSettings(workers=0))
        alone = {r.rel_path: r.record for r in results if r.record}  # each page's record extracted on its own
        quarantined = {r.rel_path for r in results if r.record is None}
        assembly = assemble(results)
    assert {q["path"] for q in assembly.quarantine} == quarantined
    seen: list[str] = []
    for dataset in ("procedures", "terms", "billing"):
        for record in assembly.datasets[dataset]:
            paths = [s["path"] for s in record["sources"]]
            seen += paths
            primary = alone[paths[0]]
            allowed = [primary] + [alone[p] for p in paths[1:] if _copies(primary, alone[p], hasher)]
            for key, value in record.items():
                if key in NOT_CONTENT:
                    continue
                assert any(page.get(key) == value for page in allowed), \
                    f"{record['id']}.{key} = {value!r} comes from no copy of its primary page {paths[0]}"
            assert {k: v for k, v in record.items() if k not in ("sources",)} == \
                   {k: v for k, v in primary.items() if k not in ("sources",)}  # the primary page, whole
            for other in paths[1:]:  # every other source is a copy of the primary, never another document
                assert _copies(primary, alone[other], hasher), f"{other} is no copy of {paths[0]}"
    assert sorted(seen) == sorted(alone)  # every page in exactly one record
    ids = [r["id"] for ds in ("procedures", "terms", "billing") for r in assembly.datasets[ds]]
    assert len(ids) == len(set(ids))
    # records about one thing are linked: every record is in its entity's line
    linked = {rid: e["entity"] for e in assembly.datasets["entities"] for rid in e["record_ids"]}
    assert linked == {r["id"]: r["entity"] for ds in ("procedures", "terms", "billing") for r in assembly.datasets[ds]}
