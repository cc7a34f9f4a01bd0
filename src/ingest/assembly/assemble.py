"""Assemble per-page results into datasets: one record per document (copies collapsed), records about
the same thing linked in entities.jsonl, every page accounted for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from ingest.assembly.crossref import Item, code_index, resolve_procedure_codes
from ingest.assembly.entities import entity_index
from ingest.dedup.records import deduplicate
from ingest.extract.ids import path_record_id
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
    """Group records by dataset (after resolving codes across pages), collapse copies, link records
    about the same entity, build the code index, and sort everything deterministically
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
            head = orjson.loads(result.record_json)
            items.append(Item(result.dataset, result.record_json, list(result.code_refs), head["id"],
                              head["sources"][0]["path"]))
    out.stats["codes_resolved_by_descriptor"] = resolve_procedure_codes(items)
    remap: dict[str, str] = {}
    by_dataset: dict[str, list[bytes]] = defaultdict(list)
    for item in items:
        by_dataset[item.dataset].append(item.line)
    for dataset in BY_DATASET:  # the datasets of pages, in dataset order
        lines = Records(by_dataset.get(dataset, []))
        done = deduplicate(dataset, lines, dedup_threshold, fallback_id=path_record_id)
        remap.update(done.remap)
        out.datasets[dataset] = done.records
        out.duplicates.extend(done.clusters)
        out.stats[f"{dataset}_copies_collapsed"] = len(lines) - len(done.records)
        out.stats[f"{dataset}_url_claimed_twice"] = done.renamed
    out.datasets["codes"] = Records.of(code_index(items, remap))
    out.datasets["entities"] = Records.of(entity_index(out.datasets))
    out.quarantine.sort(key=lambda q: q["path"])
    out.pages.sort()
    return out
