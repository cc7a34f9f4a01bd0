"""Assemble per-page results into datasets: one record per entity, every page accounted for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from ingest.build.crossref import Item, code_index, resolve_procedure_codes
from ingest.dedup.records import deduplicate
from ingest.jsonl import Records
from ingest.models import BY_DATASET
from ingest.page.process import PageResult
from ingest.settings import settings_default


@dataclass
class Assembly:
    """Datasets ready to publish, plus bookkeeping of where every page went."""

    datasets: dict[str, Records] = field(default_factory=dict)  # records as release lines, decoded when read
    quarantine: list[dict] = field(default_factory=list)
    pages: list[tuple[str, str | None]] = field(default_factory=list)  # (rel_path, sha256) of every input
    stats: dict[str, int] = field(default_factory=dict)
    duplicates: list[dict] = field(default_factory=list)  # duplicate clusters (duplicates.jsonl)


def assemble(results: Iterable[PageResult], dedup_threshold: float | None = None) -> Assembly:
    """Group records by dataset and id (after resolving codes across pages), merge same-id
    records, build the code index, and sort everything deterministically
    (dedup_threshold: BuildSettings' default when None)."""
    if dedup_threshold is None:
        dedup_threshold = settings_default("dedup_threshold")
    out = Assembly()
    items: list[Item] = []
    for result in results:
        out.pages.append((result.rel_path, result.sha256))
        if result.quarantine is not None:
            out.quarantine.append(result.quarantine)
        elif result.dataset and result.record_json is not None:
            record_id = orjson.loads(result.record_json)["id"]
            items.append(Item(result.dataset, result.record_json, list(result.code_refs), record_id))
    out.stats["codes_resolved_by_descriptor"] = resolve_procedure_codes(items)
    remap: dict[str, str] = {}
    by_dataset: dict[str, list[bytes]] = defaultdict(list)
    for item in items:
        by_dataset[item.dataset].append(item.line)
    for dataset in BY_DATASET:  # the datasets of pages, in dataset order
        lines = Records(by_dataset.get(dataset, []))
        records, clusters, merged_ids = deduplicate(dataset, lines, dedup_threshold)
        remap.update(merged_ids)
        out.datasets[dataset] = records
        out.duplicates.extend(clusters)
        out.stats[f"{dataset}_pages_merged"] = len(lines) - len(records)
    out.datasets["codes"] = Records.of(code_index(items, remap))
    out.quarantine.sort(key=lambda q: q["path"])
    out.pages.sort()
    return out
