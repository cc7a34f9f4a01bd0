"""Oracle of the staged dedup tests: ``deduplicate`` as it was before issue 22 (commit 46b74b6), all
records in memory, frozen here verbatim so that the staged code (``ingest.dedup.staged``) and the
wrapper ``records.deduplicate`` over it are compared with the behaviour they replace."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import orjson

from ingest.dedup.clusters import exact_duplicate_groups, near_duplicate_clusters
from ingest.dedup.copies import RecordTexts, collapse_copies, record_text, recency
from ingest.dedup.copies import cluster_line as _cluster_line
from ingest.dedup.copies import stars as _stars
from ingest.dedup.records import Deduplicated
from ingest.jsonl import Records, json_line


def _path_id(record: dict) -> str:
    return f"{record['id']}@{record['sources'][0]['path']}"


def reference_deduplicate(dataset: str, records: Records | Sequence[dict], threshold: float,
                fallback_id: Callable[[dict], str] = _path_id) -> Deduplicated:
    """Collapse exact and near-duplicate copies; records stay release lines (``Records``) except
    the few decoded to be collapsed or renamed."""
    clusters: list[dict] = []
    by_path: dict[str, bytes] = {}  # page path -> line of the record that page stands for now
    ids: dict[str, str] = {}
    heads: dict[str, tuple] = {}  # page path -> recency of the page
    for line in Records.of(records).lines:
        head = orjson.loads(line)
        path = head["sources"][0]["path"]
        by_path[path], ids[path], heads[path] = line, head["id"], recency(head)
    originals = dict(by_path)  # texts are always those of the pages as extracted
    own_id = dict(ids)
    members: dict[str, list[str]] = {p: [p] for p in by_path}  # kept page path -> the pages it stands for

    def collapse(paths: list[str], role: str) -> dict:
        kept = collapse_copies([orjson.loads(by_path.pop(p)) for p in paths], role)
        path = kept["sources"][0]["path"]
        by_path[path], ids[path] = json_line(kept), kept["id"]
        members[path] = [m for p in paths for m in members.pop(p)]
        return kept

    # 1. exact: identical content after normalization
    for group in exact_duplicate_groups(RecordTexts(originals)):
        kept = collapse(list(group), "exact_duplicate")
        clusters.append(_cluster_line("exact", dataset, kept, {p: 1.0 for p in group},
                                      f"identical content after normalization; newest kept "
                                      f"({kept['sources'][0]['path']})"))
    # 2. near-duplicates among what is left, each a copy of its record's primary page
    remaining = RecordTexts({p: originals[p] for p in by_path})
    for cluster in near_duplicate_clusters(remaining, threshold=threshold):
        group = [p for p in cluster.members if p in by_path]
        if len(group) < 2:
            continue
        text = lambda p: record_text(orjson.loads(originals[p]))  # noqa: E731
        for star, sims in _stars(group, heads, text, threshold):
            if len(star) < 2:
                continue
            kept = collapse(star, "near_duplicate")
            sims = {**sims, star[0]: 1.0}
            clusters.append(_cluster_line("near_duplicate", dataset, kept,
                                          {s["path"]: sims.get(s["path"], 1.0) for s in kept["sources"]},
                                          f"Jaccard >= {threshold} with the newest copy over 5-word shingles; "
                                          f"newest kept ({kept['sources'][0]['path']})"))
    # 3. one id per document: of records claiming one id, the newest keeps it
    by_id: dict[str, list[str]] = defaultdict(list)
    for path in by_path:
        by_id[ids[path]].append(path)
    renamed = 0
    for paths in by_id.values():
        for path in sorted(paths, key=lambda p: heads[p], reverse=True)[1:]:
            record = orjson.loads(by_path[path])
            record["id"] = fallback_id(record)
            by_path[path], ids[path] = json_line(record), record["id"]
            renamed += 1
    out = Records(by_path[p] for p in sorted(by_path, key=lambda p: ids[p]))
    if len({ids[p] for p in by_path}) != len(by_path):
        raise ValueError(f"{dataset}: two records still share an id after fallback ids")
    final = {m: ids[kept] for kept in by_path for m in members[kept]}  # page path -> id of its record
    remap = {path: rid for path, rid in final.items() if own_id[path] != rid}
    for c in clusters:  # collapsed again or renamed later: the record the cluster ended in
        c["record_id"] = final[next(m["path"] for m in c["members"] if m["role"] == "primary")]
    clusters.sort(key=lambda c: (c["dataset"], c["record_id"], c["level"]))
    for i, c in enumerate(clusters):
        c["cluster_id"] = f"{dataset}-{i + 1:05d}"
    return Deduplicated(out, clusters, remap, renamed)
