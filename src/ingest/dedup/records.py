"""Record-level deduplication: exact, near-duplicate and same-entity merges, with provenance.

Policy (documented in the README and tested):
- the newest version wins: the page date a page states ("Last updated", article:modified_time,
  JSON-LD dateModified), else its fetch time, else the smallest path (for a stable order);
- field by field, a value the winner lacks is taken from the next newest version that has it;
- every contributing page stays in `sources` with its role: primary, exact_duplicate,
  near_duplicate or merged;
- input order never changes the output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import orjson

from ingest.dedup.clusters import exact_duplicate_groups, near_duplicate_clusters
from ingest.jsonl import Records, json_line

# Record fields that are identity or provenance, not content (left out of dedup texts).
NOT_CONTENT = frozenset({"id", "schema_version", "page_type", "sources", "url", "code_source", "sections_recovered",
                         "previous_versions"})
EMPTY = (None, [], {}, "")


def record_text(record: dict) -> str:
    """The record's content as one text: what exact and near-duplicate detection compare."""
    parts: list[str] = []
    stack = [v for k, v in record.items() if k not in NOT_CONTENT]
    while stack:
        value = stack.pop(0)
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            stack[:0] = value
        elif isinstance(value, dict):
            stack[:0] = list(value.values())
    return "\n".join(parts)


class RecordTexts(Sequence):
    """(path, record_text) pairs of some records (dicts or release lines), sorted by path, each
    text computed when read.

    Dedup reads every text a few times (exact keys, signatures, candidate verification);
    computing them again (~15 us a record) is cheaper than holding a corpus' texts in memory."""

    def __init__(self, records: dict[str, dict] | dict[str, bytes]) -> None:
        self._records = records
        self.ids = sorted(records)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        path = self.ids[i]
        record = self._records[path]
        return path, record_text(orjson.loads(record) if isinstance(record, bytes) else record)


def _neg(text: str) -> tuple:
    return tuple(-ord(c) for c in text)


def recency(record: dict) -> tuple:
    """Sort key of a record's primary source: page date, fetch time, then smallest path first."""
    source = record["sources"][0]
    return (source.get("page_date") or "", source.get("fetched_at") or "", _neg(source["path"]))


def merge_versions(records: list[dict], role: str) -> dict:
    """One record from several versions of the same thing; the others' sources get `role`."""
    ordered = sorted(records, key=recency, reverse=True)
    merged = dict(ordered[0])
    for older in ordered[1:]:
        for key, value in older.items():
            if key not in ("sources", "id") and value not in EMPTY and merged.get(key) in EMPTY:
                merged[key] = value
    sources = [dict(s) for s in ordered[0]["sources"]]
    for older in ordered[1:]:
        for src in older["sources"]:
            src = dict(src)
            if src.get("role", "primary") == "primary":
                src["role"] = role
            sources.append(src)
    merged["sources"] = sources
    return merged


def _cluster_line(level: str, dataset: str, merged: dict, similarity: dict[str, float], reason: str) -> dict:
    return {"level": level, "dataset": dataset, "record_id": merged["id"],
            "members": [{"path": s["path"], "sha256": s["sha256"], "role": s["role"],
                         "page_date": s.get("page_date"), "similarity": similarity.get(s["path"])}
                        for s in merged["sources"]],
            "reason": reason}


def deduplicate(dataset: str, records: Records | Sequence[dict],
                threshold: float) -> tuple[Records, list[dict], dict[str, str]]:
    """(records after exact, near-duplicate and same-entity merging, sorted by id, duplicate-cluster
    lines, {id of a merged-away record: id of the record it was merged into}).

    Records stay release lines (``Records``) except the few decoded to be merged."""
    clusters: list[dict] = []
    remap: dict[str, str] = {}
    by_path: dict[str, bytes] = {}  # page path -> line of the record that page stands for now
    ids: dict[str, str] = {}
    for line in Records.of(records).lines:
        head = orjson.loads(line)
        path = head["sources"][0]["path"]
        by_path[path], ids[path] = line, head["id"]
    originals = dict(by_path)  # texts are always those of the pages as extracted, not of merged records

    def merge(paths: list[str], role: str) -> dict:
        group = [orjson.loads(by_path.pop(p)) for p in paths]
        merged = merge_versions(group, role)
        remap.update({r["id"]: merged["id"] for r in group if r["id"] != merged["id"]})
        keep = merged["sources"][0]["path"]
        by_path[keep], ids[keep] = json_line(merged), merged["id"]
        return merged

    # 1. exact: identical content after normalization
    for group in exact_duplicate_groups(RecordTexts(originals)):
        merged = merge(list(group), "exact_duplicate")
        keep = merged["sources"][0]["path"]
        clusters.append(_cluster_line("exact", dataset, merged, {p: 1.0 for p in group},
                                      f"identical content after normalization; newest kept ({keep})"))
    # 2. near-duplicates among what is left
    remaining = RecordTexts({p: originals[p] for p in by_path})
    for cluster in near_duplicate_clusters(remaining, threshold=threshold):
        members = [p for p in cluster.members if p in by_path]
        if len(members) < 2:
            continue
        best: dict[str, float] = {}
        for a, b, sim in cluster.pairs:
            best[a] = max(best.get(a, 0.0), sim)
            best[b] = max(best.get(b, 0.0), sim)
        merged = merge(members, "near_duplicate")
        keep = merged["sources"][0]["path"]
        clusters.append(_cluster_line("near_duplicate", dataset, merged, best,
                                      f"Jaccard >= {threshold} over 5-word shingles; newest kept ({keep})"))
    # 3. same entity: same id (same code, or same normalized title) from different pages
    by_id: dict[str, list[str]] = defaultdict(list)
    for path in by_path:
        by_id[ids[path]].append(path)
    out = Records()
    for record_id in sorted(by_id):
        paths = by_id[record_id]
        if len(paths) == 1:
            out.lines.append(by_path[paths[0]])
            continue
        merged = merge(paths, "merged")
        out.lines.append(by_path[merged["sources"][0]["path"]])
        clusters.append(_cluster_line("same_entity", dataset, merged, {},
                                      f"same id {record_id}; newest wins field by field"))
    # merged ids may collide with a record merged earlier under another path: ids stay unique
    clusters.sort(key=lambda c: (c["dataset"], c["record_id"], c["level"]))
    for i, c in enumerate(clusters):
        c["cluster_id"] = f"{dataset}-{i + 1:05d}"
    return out, clusters, remap
