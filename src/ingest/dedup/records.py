"""Record-level deduplication: copies collapse into one record, different documents never do.

Policy (documented in the README and tested):
- a record is one document; only copies of it collapse into it: exact copies (same content after
  normalization) and near-duplicates (shingle Jaccard >= threshold *with the record's primary page*:
  the same page under several URLs, a print version, a syndicated copy, a re-dated re-upload);
- the newest copy is the primary: the page date a page states ("Last updated", article:modified_time,
  JSON-LD dateModified), else its fetch time, else the smallest path (for a stable order); the record's
  fields are the primary page's, never filled from another page;
- every copy stays in `sources` with its role: primary, exact_duplicate or near_duplicate;
- records about the same thing (same code, same name) stay separate: they share an `entity`;
- two different documents claiming one id (one URL) stay separate: the newest keeps the id, the others
  take `fallback_id` (their raw path's id);
- input order never changes the output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import NamedTuple

import orjson

from ingest.dedup.clusters import exact_duplicate_groups, near_duplicate_clusters
from ingest.dedup.minhash import MinHasher, jaccard
from ingest.jsonl import Records, json_line

# Record fields that are identity or provenance, not content (left out of dedup texts).
NOT_CONTENT = frozenset({"id", "entity", "schema_version", "page_type", "sources", "url", "code_source", "sections_recovered",
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


def collapse_copies(records: list[dict], role: str) -> dict:
    """One record from copies of one document: the newest copy's record, every copy's sources
    (the others' primary sources get `role`)."""
    ordered = sorted(records, key=recency, reverse=True)
    kept = dict(ordered[0])
    sources = [dict(s) for s in ordered[0]["sources"]]
    for older in ordered[1:]:
        for src in older["sources"]:
            src = dict(src)
            if src.get("role", "primary") == "primary":
                src["role"] = role
            sources.append(src)
    kept["sources"] = sources
    return kept


def _cluster_line(level: str, dataset: str, kept: dict, similarity: dict[str, float], reason: str) -> dict:
    return {"level": level, "dataset": dataset, "record_id": kept["id"],
            "members": [{"path": s["path"], "sha256": s["sha256"], "role": s.get("role", "primary"),
                         "page_date": s.get("page_date"), "similarity": similarity.get(s["path"])}
                        for s in kept["sources"]],
            "reason": reason}


def _stars(members: list[str], heads: dict[str, tuple], text: Callable[[str], str],
           threshold: float) -> list[tuple[list[str], dict[str, float]]]:
    """A near-duplicate cluster split into copies of one page each: the newest member and every member
    whose exact shingle Jaccard with it reaches threshold, then the same among the rest (a chain
    A~B~C whose ends differ is two records, not one)."""
    hasher = MinHasher()
    shingles = dict(zip(members, hasher.shingle_sets([text(p) for p in members]), strict=True))
    left = sorted(members, key=lambda p: heads[p], reverse=True)
    stars = []
    while left:
        primary, rest = left[0], left[1:]
        sims = {p: jaccard(shingles[primary], shingles[p]) for p in rest}
        star = [primary] + [p for p in rest if sims[p] >= threshold]
        stars.append((star, {p: sims[p] for p in star[1:]}))
        left = [p for p in rest if sims[p] < threshold]
    return stars


class Deduplicated(NamedTuple):
    records: Records  # one per document, sorted by id
    clusters: list[dict]  # duplicates.jsonl lines (exact and near_duplicate copy clusters)
    remap: dict[str, str]  # page path -> id of the record it ended in, where that is not its own id
    renamed: int  # records that took their fallback id because a newer document claimed the same id


def _path_id(record: dict) -> str:
    return f"{record['id']}@{record['sources'][0]['path']}"


def deduplicate(dataset: str, records: Records | Sequence[dict], threshold: float,
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
