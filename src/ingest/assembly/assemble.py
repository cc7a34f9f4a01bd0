"""Assemble batch parts into the release's datasets, by streaming: one record per document (copies
collapsed), records about the same thing linked in entities.jsonl, every page accounted for.

Passes over the parts (ingest.assembly.parts), none holding the records:
1. the pages' bookkeeping: which procedures state no code, and (only then) the CPT/HCPCS descriptors
   of every page; the procedures that resolution gives a code (their new lines are held: few);
2. per dataset, dedup's plan over the batches' entries files (ingest.dedup.staged: band buckets,
   candidate pairs, union-find; record lines read back only for candidates), then the dataset file:
   a k-way merge (heapq.merge) of the batches' record files sorted by id, with the plan applied
   (copies left out, the records they collapsed into or renamed merged in), so published files keep
   today's names, order and bytes;
3. the code index (the bookkeeping again, record ids remapped), entities.jsonl (one pass over the
   merged files), both grouped by an external sort (ingest.assembly.extsort: one code's or entity's
   rows held at a time), and the quarantine (a merge by path).
Each file is written once into the work folder (a temporary name, fsync, rename) and published from
there (ingest.release.publish moves it into the release).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ingest import faults
from ingest.assembly.crossref import code_index, descriptor_index, resolve_line, unresolved
from ingest.assembly.entities import entity_index
from ingest.assembly.parts import (BatchParts, LineLookup, entries_file, page_lines, quarantine_lines, record_rows,
                                   write_parts)
from ingest.dedup.staged import entries_of, read_entries, write_entries
from ingest.dedup.staged import plan as dedup_plan
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
    duplicates: RecordsFile | None = None  # duplicate clusters (duplicates.jsonl)


def _kill_points(name: str):
    if not faults.armed():
        return None
    return lambda i: faults.checkpoint(f"merge.line:{name}")


def _entry_files(parts: Sequence[BatchParts], dataset: str, resolved: dict[str, bytes], threshold: float,
                 work: Path) -> list[Path]:
    """The dedup entries files of a dataset's batches. Records whose line resolution changed get their
    entries computed again here (a file of their own), and the batches' files holding their old entries
    are copied without them (only those batches)."""
    files = [Path(p.folder) / entries_file(dataset) for p in parts if dataset in p.records]
    if not resolved:
        return files
    out = []
    for file in files:
        entries = list(read_entries(file, threshold))
        if any(e.path in resolved for e in entries):
            file = work / f"{len(out)}-{file.parent.name}.{file.name}"
            write_entries(file, (e for e in entries if e.path not in resolved), threshold)
        out.append(file)
    write_entries(work / f"resolved.{dataset}.jsonl", entries_of(dataset, list(resolved.values()), threshold), threshold)
    return [*out, work / f"resolved.{dataset}.jsonl"]


def assemble_parts(parts: Sequence[BatchParts], work: Path, dedup_threshold: float | None = None) -> StagedAssembly:
    """Merge the parts of every batch into the release's dataset files under work (emptied first)."""
    if dedup_threshold is None:
        dedup_threshold = settings_default("dedup_threshold")
    shutil.rmtree(work, ignore_errors=True)
    (work / "dedup").mkdir(parents=True)
    out = StagedAssembly()
    faults.checkpoint("assemble")
    # pass 1 over the bookkeeping: pages, and the descriptors resolution needs (only when a procedure lacks a code)
    todo: set[str] = set()
    for page in page_lines(parts):
        out.pages += 1
        if unresolved(page):
            todo.add(page["path"])
    added: dict[str, dict] = {}  # page path -> the code reference resolution gave its record
    resolved: dict[str, bytes] = {}  # page path -> its record's line after resolution
    if todo:
        descriptors = descriptor_index(page_lines(parts), work / "sort")
        for _, path, line in record_rows(parts, "procedures"):
            if path in todo and (found := resolve_line(line, descriptors)):
                resolved[path], added[path] = found
        del descriptors  # (held by nothing else: freed before dedup)
    out.stats["codes_resolved_by_descriptor"] = len(added)
    remap: dict[str, str] = {}
    clusters: list[RecordsFile] = []  # each dataset's duplicate clusters, written while its plan is open
    for dataset in BY_DATASET:  # the datasets of pages, in dataset order
        mine = resolved if dataset == "procedures" else {}
        files = _entry_files(parts, dataset, mine, dedup_threshold, work / "dedup")
        plan = dedup_plan(dataset, files, dedup_threshold, LineLookup(parts, dataset, mine), workdir=work / "dedup",
                          fallback_id=path_record_id)
        try:
            rows = ((rid, path, mine.get(path, line)) for rid, path, line in record_rows(parts, dataset))
            name = f"{dataset}.jsonl"
            out.datasets[dataset] = write_lines(work / name, plan.merge(rows), _kill_points(name))
            clusters.append(write_lines(work / f"duplicates.{dataset}.jsonl", map(orjson.dumps, plan.cluster_lines())))
        finally:
            plan.close()
        remap.update(plan.remap)
        out.stats[f"{dataset}_copies_collapsed"] = len(plan.dropped)
        out.stats[f"{dataset}_url_claimed_twice"] = plan.renamed
    shutil.rmtree(work / "dedup", ignore_errors=True)
    out.duplicates = write_lines(work / "duplicates.jsonl", (line for part in clusters for line in part.lines()))
    for part in clusters:
        part.path.unlink()
    codes = code_index(page_lines(parts), work / "sort", remap, added)
    out.datasets["codes"] = write_lines(work / "codes.jsonl", map(json_line, codes), _kill_points("codes.jsonl"))
    entities = entity_index(out.datasets, work / "sort")
    out.datasets["entities"] = write_lines(work / "entities.jsonl", map(json_line, entities),
                                           _kill_points("entities.jsonl"))
    out.quarantine = write_lines(work / "quarantine.jsonl", quarantine_lines(parts), _kill_points("quarantine.jsonl"))
    shutil.rmtree(work / "sort", ignore_errors=True)
    faults.checkpoint("assemble.done")
    return out


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
        if dedup_threshold is None:
            dedup_threshold = settings_default("dedup_threshold")
        parts = [write_parts(Path(tmp) / "batch", results, dedup_threshold)]
        staged = assemble_parts(parts, Path(tmp) / "merged", dedup_threshold)
        return Assembly({name: Records(f.lines()) for name, f in staged.datasets.items()},
                        list(staged.quarantine), sorted((r.rel_path, r.sha256) for r in results),
                        staged.stats, list(staged.duplicates))
