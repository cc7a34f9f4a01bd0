"""quality.json: per page type, how many pages and records, and how full each field is; code problems."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from ingest.models import PAGE_TYPES

_NOT_GRADED = frozenset({"id", "schema_version", "page_type", "sources", "sections_recovered", "language",
                         "section_sources", "page_type_evidence", "headings_unmatched", "unassigned_blocks"})
_TYPED_BULLET = re.compile(r"(?:^|\s)[•·✓➤→▪●◦]\s|\s[-*]\s\S.*\s[-*]\s")  # bullets typed inside an item
LONG_ITEM_WORDS = 80
UNMATCHED_SHOWN = 50


def _filled(value) -> bool:
    return value not in (None, "", [], {})


class Coverage:
    """Field coverage counted over a stream of records (one pass): the graded fields are the first
    record's (booleans are not graded), each field's share of records with it filled."""

    __slots__ = ("fields", "filled", "records", "pages", "unassigned_blocks", "unassigned_pages")

    def __init__(self) -> None:
        self.fields: list[str] | None = None
        self.filled: dict[str, int] = {}
        self.records = self.pages = 0
        # main-content blocks that reached no section nor its notes (extract/route.py), and the records with any
        self.unassigned_blocks = self.unassigned_pages = 0

    def add(self, record: dict) -> None:
        if self.fields is None:
            self.fields = [k for k, v in record.items() if k not in _NOT_GRADED and not isinstance(v, bool)]
            self.filled = dict.fromkeys(self.fields, 0)
        self.records += 1
        self.pages += len(record["sources"])
        if unassigned := record.get("unassigned_blocks"):
            self.unassigned_blocks += unassigned
            self.unassigned_pages += 1
        for f in self.fields:
            if _filled(record.get(f)):
                self.filled[f] += 1

    def shares(self) -> dict[str, float]:
        return {f: round(n / self.records, 4) for f, n in self.filled.items()} if self.records else {}


def field_coverage(records: Iterable[dict]) -> dict[str, float]:
    """Share of records (0..1) with each field filled; booleans are not graded."""
    coverage = Coverage()
    for record in records:
        coverage.add(record)
    return coverage.shares()


def quality_report(datasets: Mapping[str, Iterable[dict]], quarantine: Iterable[dict]) -> dict:
    """The release's quality summary (written as quality.json); one pass over each dataset's records
    (datasets may be files streamed from disk, ingest.jsonl.RecordsFile)."""
    page_types: dict[str, dict] = {}
    unassigned = {"blocks": 0, "pages": 0}
    for page_type, spec in PAGE_TYPES.items():
        coverage = Coverage()
        for record in datasets.get(spec.dataset, []):
            coverage.add(record)
        page_types[page_type] = {"pages": coverage.pages, "records": coverage.records,
                                 "field_coverage": coverage.shares()}
        unassigned["blocks"] += coverage.unassigned_blocks
        unassigned["pages"] += coverage.unassigned_pages
    quarantined, unsupported, by_reason = 0, Counter(), Counter()
    for q in quarantine:
        quarantined += 1
        unsupported[q.get("page_type") or "unclassified"] += 1
        by_reason[q["reason"]] += 1
    entries, by_system, conflicts, listed, invalid = 0, Counter(), Counter(), [], []
    for e in datasets.get("codes", []):  # one entry at a time: an entry lists every record stating its code
        entries += 1
        by_system[e["system"]] += 1
        for c in e.get("conflicts", []):
            conflicts[c["kind"]] += 1
            listed.append(f"{e['system']} {e['code']}: {c['kind']}")
        if e.get("valid") is False:
            invalid.append(f"{e['system']} {e['code']}")
    procedures = datasets.get("procedures", [])
    return {
        "page_types": page_types,
        "headings_unmatched": unmatched_headings(procedures),
        "suspicious_items": suspicious_items(procedures),
        # nothing vanishes silently: main-content blocks no field took (extract/route.py)
        "unassigned_blocks": unassigned,
        "quarantine": {"pages": quarantined, "by_reason": dict(sorted(by_reason.items())),
                       "by_page_type": dict(sorted(unsupported.items()))},
        "codes": {
            "entries": entries,
            "by_system": dict(sorted(by_system.items())),
            "conflicts_by_kind": dict(sorted(conflicts.items())),
            "conflicts": listed,
            "invalid": invalid,
        },
    }


def headline(report: dict) -> list[tuple[str, str]]:
    """The few numbers the CLI prints."""
    rows = []
    for page_type, info in report["page_types"].items():
        cov = info["field_coverage"]
        mean = sum(cov.values()) / len(cov) if cov else 0.0
        rows.append((f"{page_type} field coverage", f"{mean:.0%} mean over {len(cov)} fields" if cov else "-"))
    codes = report["codes"]
    conflicts = sum(codes["conflicts_by_kind"].values())
    rows.append(("code index", f"{codes['entries']} code{'s' * (codes['entries'] != 1)}, "
                               f"{conflicts} conflict{'s' * (conflicts != 1)}, {len(codes['invalid'])} invalid"))
    return rows


def site_of(source: dict) -> str:
    """A source's site: the URL's host, else the first folder of its raw path."""
    uri = source.get("uri") or ""
    if "://" in uri:
        return uri.split("://", 1)[1].split("/", 1)[0].lower()
    path = source["path"]
    return path.split("/", 1)[0] if "/" in path else "(root)"


def site_coverage(datasets: Mapping[str, Iterable[dict]]) -> dict[str, dict[str, dict[str, float]]]:
    """Field coverage per site and page type: {site: {page_type: {field: share}}} (one pass, counters only)."""
    grouped: dict[str, dict[str, Coverage]] = {}
    for page_type, spec in PAGE_TYPES.items():
        for record in datasets.get(spec.dataset, []):
            grouped.setdefault(site_of(record["sources"][0]), {}).setdefault(page_type, Coverage()).add(record)
    return {site: {pt: c.shares() for pt, c in sorted(types.items())} for site, types in sorted(grouped.items())}


def layout_drift(previous: dict | None, current: dict, margin: float) -> list[dict]:
    """Fields whose coverage on a site dropped by more than `margin` against the previous release."""
    drift = []
    for site, types in current.items():
        for page_type, coverage in types.items():
            before = ((previous or {}).get(site) or {}).get(page_type) or {}
            for field, share in coverage.items():
                if field in before and before[field] - share > margin:
                    drift.append({"site": site, "page_type": page_type, "field": field,
                                  "previous": before[field], "current": share, "drop": round(before[field] - share, 4)})
    return drift


def unmatched_headings(records: Iterable[dict], limit: int = UNMATCHED_SHOWN) -> list[dict]:
    """Headings that opened no section across the records, most frequent first: the vocabulary to add."""
    counts = Counter(h.strip() for r in records for h in dict.fromkeys(r.get("headings_unmatched") or []))
    return [{"heading": h, "pages": n} for h, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))[:limit]]


def suspicious_items(records: Iterable[dict]) -> list[dict]:
    """List items that look like extraction damage: typed bullets inside an item, an item over
    80 words, a list section made of one giant item."""
    from ingest.models import ProcedureRecord

    list_fields = [name for name, f in ProcedureRecord.model_fields.items()
                   if f.annotation == list[str] and name not in ("common_names", "headings_unmatched")]
    found = []
    for record in records:
        for name in list_fields:
            items = record.get(name) or []
            for item in items:
                words = len(item.split())
                kind = ("typed_bullets" if _TYPED_BULLET.search(item) else
                        "one_giant_item" if len(items) == 1 and words > LONG_ITEM_WORDS else
                        "long_item" if words > LONG_ITEM_WORDS else None)
                if kind:
                    found.append({"id": record.get("id"), "field": name, "kind": kind, "words": words, "item": item[:120]})
    return found
