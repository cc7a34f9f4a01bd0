"""Assemble batch parts into the release's datasets, by streaming: one record per document (copies
collapsed), records about the same thing linked in entities.jsonl, every page accounted for.

Every dataset file is a k-way merge (heapq.merge) of the batches' sorted record files, with codes
resolved across pages on the way and dedup's plan applied (the records a copy collapsed into, or
renamed, replace theirs; the copies are left out), so the published files keep today's names,
order and bytes. Each file is written once into the work folder (a temporary name, fsync, rename)
and published from there (ingest.release.publish moves it into the release).
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import orjson

from ingest import faults
from ingest.assembly.crossref import code_index, descriptor_index, resolve_line, unresolved
from ingest.assembly.entities import entity_index
from ingest.assembly.parts import BatchParts, page_lines, quarantine_lines, record_rows, write_parts
from ingest.dedup.records import deduplicate
from ingest.extract.ids import path_record_id
from ingest.jsonl import Records, RecordsFile, json_line, write_lines
from ingest.models import BY_DATASET
from ingest.page.process import PageResult
from ingest.settings import settings_default


@dataclass
class StagedAssembly:
    """The release's content as files in the work folder, plus bookkeeping of where every page went."""

    datasets: dict[str, RecordsFile] = field(default_factory=dict)
    quarantine: RecordsFile | None = None
    pages: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    duplicates: list[dict] = field(default_factory=list)  # duplicate clusters (duplicates.jsonl)


class DedupPlan(NamedTuple):
    """What dedup does to a dataset's sorted stream: pages whose record is left out (copies collapsed into
    another) and records replaced (the collapsed or renamed ones: page path -> new release line)."""

    left_out: set[str]
    replaced: dict[str, bytes]
    clusters: list[dict]
    remap: dict[str, str]  # page path -> id of the record it ended in, where that is not its own id
    renamed: int


def _dedup_plan(dataset: str, rows: Iterable[tuple[str, str, bytes]], threshold: float) -> tuple[DedupPlan, int]:
    """The plan of ingest.dedup.records.deduplicate: it holds the dataset's lines in memory (the staged,
    file-based dedup replaces this); returns (plan, number of records in)."""
    lines = {path: line for _, path, line in rows}
    done = deduplicate(dataset, Records(lines.values()), threshold, fallback_id=path_record_id)
    kept = {orjson.loads(line)["sources"][0]["path"]: line for line in done.records.lines}
    replaced = {path: line for path, line in kept.items() if lines[path] != line}
    return DedupPlan(set(lines) - set(kept), replaced, done.clusters, done.remap, done.renamed), len(lines)


def _merged(rows: Iterator[tuple[str, str, bytes]], plan: DedupPlan) -> Iterator[bytes]:
    """The dataset's release lines in id order: the stream without the plan's left-out and replaced
    records, merged with the replacements (ids are unique once the plan is applied)."""
    kept = ((rid, line) for rid, path, line in rows if path not in plan.left_out and path not in plan.replaced)
    new = sorted((orjson.loads(line)["id"], line) for line in plan.replaced.values())
    return (line for _, line in heapq.merge(kept, new, key=lambda row: row[0]))


def _kill_points(name: str):
    if not faults.armed():
        return None
    return lambda i: faults.checkpoint(f"merge.line:{name}")


def assemble_parts(parts: Sequence[BatchParts], work: Path, dedup_threshold: float | None = None) -> StagedAssembly:
    """Merge the parts of every batch into the release's dataset files under work (emptied first)."""
    if dedup_threshold is None:
        dedup_threshold = settings_default("dedup_threshold")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out = StagedAssembly()
    # pass 1 over the bookkeeping: pages, and the descriptors resolution needs (only when a procedure lacks a code)
    todo: set[str] = set()
    for page in page_lines(parts):
        out.pages += 1
        if unresolved(page):
            todo.add(page["path"])
    descriptors = descriptor_index(page_lines(parts)) if todo else None
    added: dict[str, dict] = {}  # page path -> the code reference resolution gave its record

    def resolved(dataset: str) -> Iterator[tuple[str, str, bytes]]:
        for rid, path, line in record_rows(parts, dataset):
            if path in todo and descriptors is not None and (found := resolve_line(line, descriptors)):
                line, added[path] = found
            yield rid, path, line

    faults.checkpoint("assemble")
    plans: dict[str, DedupPlan] = {}
    for dataset in BY_DATASET:  # plans first: resolution must have seen every page before the code index
        plans[dataset], count = _dedup_plan(dataset, resolved(dataset), dedup_threshold)
        out.stats[f"{dataset}_copies_collapsed"] = len(plans[dataset].left_out)
        out.stats[f"{dataset}_url_claimed_twice"] = plans[dataset].renamed
        out.duplicates.extend(plans[dataset].clusters)
    out.stats = {"codes_resolved_by_descriptor": len(added), **out.stats}
    remap = {path: rid for plan in plans.values() for path, rid in plan.remap.items()}
    for dataset, plan in plans.items():
        rows = ((rid, path, _resolved_line(line, path, added, descriptors)) for rid, path, line in
                record_rows(parts, dataset))
        name = f"{dataset}.jsonl"
        out.datasets[dataset] = write_lines(work / name, _merged(rows, plan), _kill_points(name))
    out.datasets["codes"] = write_lines(work / "codes.jsonl", map(json_line, code_index(page_lines(parts), remap, added)),
                                        _kill_points("codes.jsonl"))
    out.datasets["entities"] = write_lines(work / "entities.jsonl", map(json_line, entity_index(out.datasets)),
                                           _kill_points("entities.jsonl"))
    out.quarantine = write_lines(work / "quarantine.jsonl", quarantine_lines(parts), _kill_points("quarantine.jsonl"))
    faults.checkpoint("assemble.done")
    return out


def _resolved_line(line: bytes, path: str, added: dict[str, dict], descriptors) -> bytes:
    """The line as resolution left it (the second read of the parts resolves the same records again)."""
    if path not in added:
        return line
    return resolve_line(line, descriptors)[0]


@dataclass
class Assembly:
    """Datasets in memory (for tests and small tools): what assemble_parts wrote, read back."""

    datasets: dict[str, Records] = field(default_factory=dict)
    quarantine: list[dict] = field(default_factory=list)
    pages: list[tuple[str, str | None]] = field(default_factory=list)  # (rel_path, sha256) of every input
    stats: dict[str, int] = field(default_factory=dict)
    duplicates: list[dict] = field(default_factory=list)


def assemble(results: Iterable[PageResult], dedup_threshold: float | None = None) -> Assembly:
    """Page results through the build's one path (parts, then the streaming merge), read back into memory."""
    with tempfile.TemporaryDirectory(prefix="ingest-assemble-") as tmp:
        results = list(results)
        parts = [write_parts(Path(tmp) / "batch", results)]
        staged = assemble_parts(parts, Path(tmp) / "merged", dedup_threshold)
        return Assembly({name: Records(f.lines()) for name, f in staged.datasets.items()},
                        list(staged.quarantine), sorted((r.rel_path, r.sha256) for r in results),
                        staged.stats, staged.duplicates)
