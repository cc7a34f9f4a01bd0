"""Record deduplication in stages over files: memory bounded by the candidate pairs and one shard,
not by the pages. The policy is ``ingest.dedup.records``' (its module docstring); ``deduplicate``
there is this code run on records held in memory, so there is one implementation.

Interface
=========
Worker side (one batch of records of one build, any process):

- ``entries_of(dataset, lines, threshold) -> list[Entry]``: the dedup entry of each release line
  (``bytes``, one record of ``dataset`` as extracted: ``sources[0]`` is its page). An ``Entry`` is
  ``(dataset, path, id, page_date, fetched_at, key, bands)``: the page path (``sources[0].path``),
  the record id, the recency key's parts (``page_date``/``fetched_at``, ``""`` when absent; the
  key is ``copies.recency``), the exact content key (``normalize.content_key`` of
  ``copies.record_text``) and the LSH band hashes of the record's MinHash signature (128
  permutations, seed 1, the (bands, rows) ``lsh.choose_bands(threshold, 128)`` gives, as
  ``near_duplicate_clusters`` uses), or ``None`` for a text without words. MinHash runs in
  batches, so pass a batch's lines together. The line must be the one dedup is to see: a record
  whose line changes afterwards (codes resolved across pages) needs its entry computed again.
- ``write_entries(path, entries, threshold)``: writes a per-batch entries file, JSON Lines: a
  header object ``{"format": "ingest.dedup.entries/1", "num_perm", "bands", "rows", "seed"}``,
  then one JSON array per entry in ``Entry`` field order (band hashes as unsigned 64-bit ints).
  It writes ``<path>.tmp`` and renames it to ``path`` (``os.replace``), so a file under its
  final name is complete. ``read_entries(path)`` yields its ``Entry`` rows (after checking the
  header).

Plan side (one process, once per dataset, after every batch is written):

- ``plan(dataset, entry_files, threshold, read_line, *, workdir, fallback_id=...) -> DedupPlan``.
  ``entry_files``: the entries files (entries of other datasets are skipped); ``read_line(path)``
  returns the release line of the record whose page is ``path`` (the line its entry was computed
  from); ``workdir``: a folder the caller owns (and removes), where the plan writes its shards and
  stores; ``fallback_id(record) -> str``: the id a record takes when a newer document claims its
  id (``assemble`` passes ``extract.ids.path_record_id``). Raises ``ValueError`` when two records
  still share an id after fallback ids, or when an entries file was written for another
  threshold. Stages: (1) one pass over the entries writes three sharded copies under workdir:
  content keys, record ids (JSON rows sharded by key) and band hashes (binary rows sharded by
  hash); (2) exact copies: per key shard, groups of one content key collapse into the newest;
  (3) per band shard, candidate pairs of the records left; each pair is verified by the exact
  shingle Jaccard (reading only the candidates' lines), union-find over the verified pairs gives
  clusters, each split into "stars" around its newest member (``copies.stars``); (4) per id
  shard, of records claiming one id the newest keeps it, the others take ``fallback_id``.
- ``DedupPlan`` (valid while ``workdir`` exists; ``close()`` when done):
  ``dropped``: paths whose record collapsed into another record (their line is not published);
  ``changed``: paths of kept records whose line changed (copies collapsed in, or renamed);
  ``replacement(path)``: the new line of a changed record; ``replacement_lines()``: (final id,
  line) of every changed record, sorted by id; ``merge(rows)``: from ``(id, path, line)`` rows of
  the dataset as extracted, sorted by id (the k-way merge of sorted parts), the published
  dataset's lines in order (dropped and changed rows left out, replacements merged in);
  ``cluster_lines()``: the duplicates.jsonl objects of the dataset, sorted and numbered as
  ``deduplicate`` does; ``remap``: page path -> id of the record it ended in, where not its own;
  ``renamed``: how many records took their fallback id.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import orjson

from ingest.dedup.lsh import LSHIndex, choose_bands
from ingest.dedup.minhash import EMPTY, MinHasher, jaccard
from ingest.dedup.normalize import content_key
from ingest.dedup.copies import cluster_line, collapse_copies, path_id, recency_key, record_text, stars
from ingest.dedup.shards import BandShards, JsonShards, LineStore, bucket_pairs, shard_of
from ingest.jsonl import json_line
from ingest.memory import release_free_memory

FORMAT = "ingest.dedup.entries/1"
NUM_PERM, SEED = 128, 1
SHARD_BYTES = 16 << 20  # entries-file bytes per shard (a shard of ~30,000 entries)
VERIFY_BLOCK = 2000  # candidate pairs verified together (their shingle sets held at once)
SHINGLE_TEXTS = 200  # texts shingled in one call (a block's 4,000 texts at once held ~90 MB at 20,000 pages)


class Entry(NamedTuple):
    """What dedup needs of one record (see the module docstring)."""

    dataset: str
    path: str
    id: str
    page_date: str
    fetched_at: str
    key: str
    bands: tuple[int, ...] | None


@lru_cache(maxsize=8)
def _lsh(threshold: float) -> LSHIndex:
    return LSHIndex(threshold, NUM_PERM, seed=SEED)


@lru_cache(maxsize=1)
def _hasher() -> MinHasher:
    return MinHasher(NUM_PERM, seed=SEED)


def entries_of(dataset: str, lines: Sequence[bytes], threshold: float) -> list[Entry]:
    """The dedup entry of each release line (one MinHash batch)."""
    records = [orjson.loads(line) for line in lines]
    texts = [record_text(r) for r in records]
    sigs = _hasher().signatures(texts)
    bands = _lsh(threshold).band_hashes(sigs) if len(records) else np.empty((0, 0), dtype=np.uint64)
    out = []
    for record, text, sig, band in zip(records, texts, sigs, bands, strict=True):
        source = record["sources"][0]
        out.append(Entry(dataset, source["path"], record["id"], source.get("page_date") or "",
                         source.get("fetched_at") or "", content_key(text),
                         None if sig[0] == EMPTY else tuple(band.tolist())))
    return out


def _header(threshold: float) -> dict:
    lsh = _lsh(threshold)
    return {"format": FORMAT, "num_perm": NUM_PERM, "bands": lsh.bands, "rows": lsh.rows, "seed": SEED}


def write_entries(path: Path | str, entries: Iterable[Entry], threshold: float) -> None:
    """Write an entries file: to ``<path>.tmp``, then renamed to ``path``."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(orjson.dumps(_header(threshold)) + b"\n")
        for entry in entries:
            fh.write(orjson.dumps(list(entry)) + b"\n")
    os.replace(tmp, path)


def read_entries(path: Path | str, threshold: float | None = None) -> Iterator[Entry]:
    """The entries of an entries file (``ValueError`` if it was written for another threshold)."""
    with open(path, "rb") as fh:
        header = orjson.loads(fh.readline())
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: not a dedup entries file")
        if threshold is not None and header != _header(threshold):
            raise ValueError(f"{path}: entries written for other LSH bands {header}, not {_header(threshold)}")
        for line in fh:
            row = orjson.loads(line)
            yield Entry(*row[:6], None if row[6] is None else tuple(row[6]))


class _UnionFind(dict):
    def find(self, x: int) -> int:
        root = x
        while self.get(root, root) != root:
            root = self[root]
        while x != root:
            self[x], x = root, self.get(x, x)
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self[max(ra, rb)] = min(ra, rb)


class DedupPlan:
    """What the streaming merge needs to publish one deduplicated dataset (module docstring)."""

    def __init__(self, dataset: str, lines: LineStore, clusters: LineStore, cluster_keys: list[tuple],
                 dropped: set[str], final_ids: dict[str, str], remap: dict[str, str], renamed: int) -> None:
        self.dataset = dataset
        self._lines, self._clusters, self._cluster_keys = lines, clusters, cluster_keys
        self.dropped = frozenset(dropped)
        self.changed = frozenset(final_ids)
        self._final_ids = final_ids
        self.remap = remap
        self.renamed = renamed

    def replacement(self, path: str) -> bytes:
        return self._lines.get(path)

    def replacement_lines(self) -> Iterator[tuple[str, bytes]]:
        for rid, path in sorted((rid, path) for path, rid in self._final_ids.items()):
            yield rid, self._lines.get(path)

    def merge(self, rows: Iterable[tuple[str, str, bytes]]) -> Iterator[bytes]:
        kept = ((rid, line) for rid, path, line in rows if path not in self.dropped and path not in self.changed)
        for _, line in heapq.merge(kept, self.replacement_lines(), key=lambda row: row[0]):
            yield line

    def cluster_lines(self) -> Iterator[dict]:
        for i, (record_id, _level, _order, n) in enumerate(sorted(self._cluster_keys)):
            cluster = orjson.loads(self._clusters.get(n))
            cluster["record_id"] = record_id
            cluster["cluster_id"] = f"{self.dataset}-{i + 1:05d}"
            yield cluster

    def close(self) -> None:
        self._lines.close()
        self._clusters.close()


class _Planner:
    """The state of one ``plan`` run: only records involved in copies or id clashes are held."""

    def __init__(self, dataset: str, folder: Path, threshold: float, read_line: Callable[[str], bytes],
                 fallback_id: Callable[[dict], str]) -> None:
        self.dataset, self.threshold, self.read_line, self.fallback_id = dataset, threshold, read_line, fallback_id
        self.lines = LineStore(folder / "changed.jsonl")  # kept path -> its record's line now
        self.clusters = LineStore(folder / "clusters.jsonl")
        self.cluster_keys: list[list] = []  # [primary path, level, order, store key]
        self.members: dict[str, list[str]] = {}  # changed kept path -> the pages its record stands for
        self.own_id: dict[str, str] = {}  # page path -> its record's id as extracted
        self.heads: dict[str, tuple] = {}  # page path -> recency
        self.into: dict[str, str] = {}  # dropped page path -> the kept path it collapsed into
        self.dropped_idx: list[int] = []
        self.renamed: dict[str, str] = {}  # renamed kept path -> its fallback id

    def know(self, path: str, rid: str, page_date: str, fetched_at: str) -> None:
        self.own_id[path], self.heads[path] = rid, recency_key(page_date, fetched_at, path)

    def current(self, path: str) -> dict:
        return orjson.loads(self.lines.get(path) if path in self.lines else self.read_line(path))

    def text(self, path: str) -> str:
        return record_text(orjson.loads(self.read_line(path)))

    def collapse(self, paths: list[str], role: str) -> dict:
        kept = collapse_copies([self.current(p) for p in paths], role)
        primary = kept["sources"][0]["path"]
        self.lines.put(primary, json_line(kept))
        self.members[primary] = [m for p in paths for m in self.members.pop(p, [p])]
        for p in paths:
            if p != primary:
                self.into[p] = primary
        return kept

    def add_cluster(self, level: str, kept: dict, similarity: dict[str, float], reason: str, order: str) -> None:
        n = len(self.cluster_keys)
        self.clusters.put(n, orjson.dumps(cluster_line(level, self.dataset, kept, similarity, reason)))
        self.cluster_keys.append([kept["sources"][0]["path"], level, order, n])

    def exact(self, shards: JsonShards) -> None:
        for rows in shards:
            groups: dict[str, list[list]] = defaultdict(list)
            for row in rows:
                groups[row[0]].append(row)
            for group in groups.values():
                if len(group) < 2:
                    continue
                for _, idx, path, page_date, fetched_at, rid in group:
                    self.know(path, rid, page_date, fetched_at)
                paths = sorted(row[2] for row in group)
                kept = self.collapse(paths, "exact_duplicate")
                primary = kept["sources"][0]["path"]
                self.dropped_idx.extend(row[1] for row in group if row[2] != primary)
                self.add_cluster("exact", kept, {p: 1.0 for p in paths},
                                 f"identical content after normalization; newest kept ({primary})", paths[0])

    def near(self, bands: BandShards, keys: JsonShards) -> None:
        dropped = np.array(sorted(self.dropped_idx), dtype=np.uint32)
        found = [bucket_pairs(rows, dropped) for rows in bands]
        codes = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.uint64)
        if not codes.size:
            return
        pairs = np.stack([codes >> np.uint64(32), codes & np.uint64(0xFFFF_FFFF)], axis=1).astype(np.int64)
        wanted = set(np.unique(pairs).tolist())
        path_of: dict[int, str] = {}
        for rows in keys:
            for _, idx, path, page_date, fetched_at, rid in rows:
                if idx in wanted:
                    path_of[idx] = path
                    self.know(path, rid, page_date, fetched_at)
        hasher, uf, linked = _hasher(), _UnionFind(), set()
        for start in range(0, len(pairs), VERIFY_BLOCK):
            block = pairs[start:start + VERIFY_BLOCK].tolist()
            needed = sorted({i for pair in block for i in pair})
            sets: dict[int, np.ndarray] = {}
            for at in range(0, len(needed), SHINGLE_TEXTS):  # texts and their word lists: a few MB at a time
                chunk = needed[at:at + SHINGLE_TEXTS]
                sets.update(zip(chunk, hasher.shingle_sets([self.text(path_of[i]) for i in chunk]), strict=True))
            for a, b in block:
                if jaccard(sets[a], sets[b]) >= self.threshold:
                    uf.union(a, b)
                    linked.update((a, b))
        components: dict[int, list[str]] = defaultdict(list)
        for idx in sorted(linked):
            components[uf.find(idx)].append(path_of[idx])
        for group in components.values():
            for star, sims in stars(group, self.heads, self.text, self.threshold):
                if len(star) < 2:
                    continue
                kept = self.collapse(star, "near_duplicate")
                sims = {**sims, star[0]: 1.0}
                self.add_cluster("near_duplicate", kept, {s["path"]: sims.get(s["path"], 1.0) for s in kept["sources"]},
                                 f"Jaccard >= {self.threshold} with the newest copy over 5-word shingles; "
                                 f"newest kept ({star[0]})", star[0])

    def ids(self, shards: JsonShards) -> None:
        """Of records claiming one id, the newest keeps it; then no two records may share an id."""
        for rows in shards:
            by_id: dict[str, list[list]] = defaultdict(list)
            for row in rows:
                if row[2] not in self.into:
                    by_id[row[0]].append(row)
            for group in by_id.values():
                if len(group) < 2:
                    continue
                for rid, _, path, page_date, fetched_at in group:
                    self.know(path, rid, page_date, fetched_at)
                for path in sorted((row[2] for row in group), key=self.heads.__getitem__, reverse=True)[1:]:
                    record = self.current(path)
                    record["id"] = self.renamed[path] = self.fallback_id(record)
                    self.lines.put(path, json_line(record))
        new_ids: dict[int, list[str]] = defaultdict(list)
        for rid in self.renamed.values():
            new_ids[shard_of(rid, len(shards.paths))].append(rid)
        for n, rows in enumerate(shards):
            taken = [row[0] for row in rows if row[2] not in self.into and row[2] not in self.renamed]
            if len(set(taken + new_ids[n])) != len(taken) + len(new_ids[n]):
                raise ValueError(f"{self.dataset}: two records still share an id after fallback ids")

    def result(self) -> DedupPlan:
        def final_id(path: str) -> str:
            while path in self.into:
                path = self.into[path]
            return self.renamed.get(path) or self.own_id[path]

        final_ids = {path: final_id(path) for path in self.lines.keys() if path not in self.into}
        remap = {}
        for kept, fid in final_ids.items():
            for member in self.members.get(kept, [kept]):
                if self.own_id[member] != fid:
                    remap[member] = fid
        cluster_keys = [(final_id(primary), level, order, n) for primary, level, order, n in self.cluster_keys]
        return DedupPlan(self.dataset, self.lines, self.clusters, cluster_keys, set(self.into), final_ids,
                         remap, len(self.renamed))


def plan(dataset: str, entry_files: Iterable[Path | str], threshold: float, read_line: Callable[[str], bytes], *,
         workdir: Path | str, fallback_id: Callable[[dict], str] = path_id, shards: int | None = None) -> DedupPlan:
    """Deduplicate one dataset from its entries files (module docstring)."""
    entry_files = list(entry_files)
    if shards is None:
        shards = min(256, 1 + sum(Path(f).stat().st_size for f in entry_files) // SHARD_BYTES)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"dedup-{dataset}-", dir=workdir))
    keys, ids, bands = JsonShards(folder, "keys", shards), JsonShards(folder, "ids", shards), BandShards(folder, shards)
    n = 0
    for file in entry_files:
        for entry in read_entries(file, threshold):
            if entry.dataset != dataset:
                continue
            keys.add(entry.key, [entry.key, n, entry.path, entry.page_date, entry.fetched_at, entry.id])
            ids.add(entry.id, [entry.id, n, entry.path, entry.page_date, entry.fetched_at])
            if entry.bands is not None:
                bands.add(n, np.array(entry.bands, dtype=np.uint64))
            n += 1
    for sharded in (keys, ids, bands):
        sharded.close()
    release_free_memory()
    planner = _Planner(dataset, folder, threshold, read_line, fallback_id)
    for stage in (lambda: planner.exact(keys), lambda: planner.near(bands, keys), lambda: planner.ids(ids)):
        stage()
        release_free_memory()  # a stage's shards and candidate texts, freed: the next starts from the plan's size
    return planner.result()
