"""What a copy is and how copies collapse (the policy is ``ingest.dedup.records``' docstring):
the text dedup compares, the recency that picks the primary, one record from copies, a
near-duplicate cluster split into copies of one page, the duplicates.jsonl line of a cluster."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import orjson

from ingest.dedup.minhash import MinHasher, jaccard

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


_TOP = 0x10FFFF  # the largest code point


def _neg(text: str) -> str:
    """A string that sorts as the tuple of the text's negated code points (each character mirrored,
    ``chr(0x10FFFF - ord(c))``; a prefix still sorts before its extensions). The tuple of ints it
    replaces cost ~36 bytes a character, and dedup holds one key per candidate page (the client's
    peak fell 28 MB at 100,000 synthetic pages); this costs 4."""
    return "".join([chr(_TOP - ord(c)) for c in text])


def recency_key(page_date: str | None, fetched_at: str | None, path: str) -> tuple:
    """Sort key of a page, newest first when sorted in reverse: page date, fetch time, then smallest path."""
    return (page_date or "", fetched_at or "", _neg(path))


def recency(record: dict) -> tuple:
    """``recency_key`` of a record's primary source."""
    source = record["sources"][0]
    return recency_key(source.get("page_date"), source.get("fetched_at"), source["path"])


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


def cluster_line(level: str, dataset: str, kept: dict, similarity: dict[str, float], reason: str) -> dict:
    return {"level": level, "dataset": dataset, "record_id": kept["id"],
            "members": [{"path": s["path"], "sha256": s["sha256"], "role": s.get("role", "primary"),
                         "page_date": s.get("page_date"), "similarity": similarity.get(s["path"])}
                        for s in kept["sources"]],
            "reason": reason}


def stars(members: list[str], heads: dict[str, tuple], text: Callable[[str], str],
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


def path_id(record: dict) -> str:
    return f"{record['id']}@{record['sources'][0]['path']}"
