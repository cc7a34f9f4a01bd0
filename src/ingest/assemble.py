"""Assemble per-page results into datasets: one record per entity, every page accounted for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.crossref import code_index, resolve_procedure_codes
from ingest.models import DATASETS
from ingest.pipeline import PageResult


@dataclass
class Assembly:
    """Datasets ready to publish, plus bookkeeping of where every page went."""

    datasets: dict[str, list[dict]] = field(default_factory=dict)
    quarantine: list[dict] = field(default_factory=list)
    pages: list[tuple[str, str | None]] = field(default_factory=list)  # (rel_path, sha256) of every input
    stats: dict[str, int] = field(default_factory=dict)


def source_recency(source: dict) -> tuple:
    """Sort key: newest page date, then newest fetch, then path (for a stable order)."""
    return (source.get("page_date") or "", source.get("fetched_at") or "", _neg(source["path"]))


def _neg(text: str) -> tuple:
    return tuple(-ord(c) for c in text)


def merge_records(records: list[dict]) -> dict:
    """One record from several records of the same entity: the newest wins, field by field
    where it lacks a value an older one has; every page stays in `sources`."""
    ordered = sorted(records, key=lambda r: source_recency(r["sources"][0]), reverse=True)
    merged = dict(ordered[0])
    for older in ordered[1:]:
        for key, value in older.items():
            if key in ("sources", "id") or value in (None, [], {}, ""):
                continue
            if merged.get(key) in (None, [], {}, ""):
                merged[key] = value
    sources = []
    seen_sha = set()
    for rank, record in enumerate(ordered):
        for src in record["sources"]:
            src = dict(src)
            if rank == 0 and not sources:
                src["role"] = "primary"
            elif src["sha256"] in seen_sha:
                src["role"] = "exact_duplicate"
            else:
                src["role"] = src.get("role") if src.get("role") not in (None, "primary") else "merged"
            seen_sha.add(src["sha256"])
            sources.append(src)
    merged["sources"] = sources
    return merged


def assemble(results: Iterable[PageResult]) -> Assembly:
    """Group records by dataset and id (after resolving codes across pages), merge same-id
    records, build the code index, and sort everything deterministically."""
    out = Assembly()
    items: list[tuple[str, dict, list[dict]]] = []
    for result in results:
        out.pages.append((result.rel_path, result.sha256))
        if result.quarantine is not None:
            out.quarantine.append(result.quarantine)
        elif result.dataset and result.record is not None:
            items.append((result.dataset, result.record, list(result.code_refs)))
    out.stats["codes_resolved_by_descriptor"] = resolve_procedure_codes(items)
    by_id: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for dataset, record, _ in items:
        by_id[dataset][record["id"]].append(record)
    for dataset in DATASETS:
        if dataset != "quarantine":
            out.datasets[dataset] = []
    for dataset, groups in by_id.items():
        out.datasets[dataset] = [merge_records(groups[i]) if len(groups[i]) > 1 else groups[i][0]
                                 for i in sorted(groups)]
        out.stats[f"{dataset}_merged_pages"] = sum(len(g) - 1 for g in groups.values())
    out.datasets["codes"] = code_index(items)
    out.quarantine.sort(key=lambda q: q["path"])
    out.pages.sort()
    return out
