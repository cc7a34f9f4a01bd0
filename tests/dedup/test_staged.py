"""Staged dedup over files (issue 22): byte-identical with the in-memory dedup it replaces
(``reference_inmemory``), on generated records with exact copies, near copies, chains A~B~C, id
clashes and dates; entries files; only candidates' lines read."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from ingest.dedup.records import deduplicate
from ingest.dedup.staged import entries_of, plan, read_entries, write_entries
from ingest.extract.ids import path_record_id
from ingest.jsonl import json_line
from tests.dedup.reference_inmemory import reference_deduplicate

WORDS = [f"w{i}" for i in range(40)] + ["knee", "Knee", "joint", "rest", "ice", "clot"]


def _edit(words: list[str], rng: random.Random, edits: int) -> list[str]:
    words = list(words)
    for _ in range(edits if words else 0):
        i = rng.randrange(len(words))
        words[i] = f"x{rng.randrange(10_000)}"
    return words


@st.composite
def record_sets(draw) -> list[dict]:
    """Records of one dataset: documents, each with copies of many kinds (exact, case/space variant,
    near, a chain of near copies, a copy with fewer words, an unrelated text under a clashing id)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    dates = [None, "2025-01-01", "2026-01-01", "2026-06-02"]
    fetched = [None, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"]
    ids = [f"procedure:site.example:doc-{i}" for i in range(draw(st.integers(1, 12)))]
    records, n = [], 0
    for _ in range(draw(st.integers(1, 10))):
        base = [rng.choice(WORDS) for _ in range(rng.randrange(0, 70))]
        texts = [base]
        for kind in draw(st.lists(st.sampled_from(["exact", "case", "near", "chain", "short", "clash", "again"]), max_size=4)):
            last = texts[-1]
            texts.append({"exact": base, "case": [w.upper() for w in base], "near": _edit(base, rng, 1),
                          "chain": _edit(last, rng, 3), "short": base[: max(0, len(base) - 6)],
                          "clash": [rng.choice(WORDS) for _ in range(40)], "again": last}[kind])
        for words in texts:
            n += 1
            path = f"site{rng.randrange(3)}/page-{n:03d}.html"
            source = {"path": path, "sha256": f"{n:064x}", "role": "primary"}
            if (date := rng.choice(dates)) is not None:
                source["page_date"] = date
            if (fetch := rng.choice(fetched)) is not None:
                source["fetched_at"] = fetch
            records.append({"id": rng.choice(ids) if rng.random() < 0.7 else f"procedure:path:{path}",
                            "page_type": "procedure", "title": "Knee replacement" if rng.random() < 0.5 else "",
                            "summary": "  ".join(words), "risks": words[:3] if rng.random() < 0.3 else [],
                            "sources": [source]})
    rng.shuffle(records)
    return records


def _staged(records: list[dict], threshold: float, tmp: Path, batch: int, shards: int, fallback_id):
    """Plan over several entries files and part-like files read by offset, applied as a streaming merge."""
    lines = [json_line(r) for r in records]
    offsets, files = {}, []
    for b, start in enumerate(range(0, len(lines), batch)):
        part = tmp / f"part-{b}.jsonl"
        chunk = lines[start:start + batch]
        with open(part, "wb") as fh:
            for line in chunk:
                offsets[orjson.loads(line)["sources"][0]["path"]] = (part, fh.tell(), len(line))
                fh.write(line + b"\n")
        write_entries(tmp / f"entries-{b}.jsonl", entries_of("procedures", chunk, threshold), threshold)
        files.append(tmp / f"entries-{b}.jsonl")

    def read_line(path: str) -> bytes:
        part, offset, size = offsets[path]
        with open(part, "rb") as fh:
            fh.seek(offset)
            return fh.read(size)

    done = plan("procedures", files, threshold, read_line, workdir=tmp / "work", fallback_id=fallback_id, shards=shards)
    rows = sorted((r["id"], r["sources"][0]["path"], line) for r, line in zip(records, lines, strict=True))
    out = list(done.merge(rows)), list(done.cluster_lines()), done.remap, done.renamed
    assert done.dropped.isdisjoint(done.changed)
    done.close()
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records=record_sets(), threshold=st.sampled_from([0.5, 0.8, 0.9]), batch=st.integers(1, 20),
       shards=st.integers(1, 4), renaming=st.sampled_from([None, path_record_id]))
def test_staged_dedup_is_byte_identical_with_the_in_memory_dedup(tmp_path_factory, records, threshold, batch, shards,
                                                                 renaming):
    kwargs = {} if renaming is None else {"fallback_id": renaming}
    try:
        want = reference_deduplicate("procedures", records, threshold, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            deduplicate("procedures", records, threshold, **kwargs)
        return
    got = deduplicate("procedures", records, threshold, **kwargs)
    assert got.records.lines == want.records.lines
    assert [json_line(c) for c in got.clusters] == [json_line(c) for c in want.clusters]
    assert got.remap == want.remap and got.renamed == want.renamed
    staged = _staged(records, threshold, tmp_path_factory.mktemp("staged"), batch, shards,
                     renaming or (lambda r: f"{r['id']}@{r['sources'][0]['path']}"))
    assert staged == (want.records.lines, want.clusters, want.remap, want.renamed)


@pytest.mark.parametrize("case", ["exact", "near_duplicate", "chain split", "renamed", "two exact in one"])
def test_generated_record_sets_hold_every_case_the_property_needs(case):
    """The generator makes exact and near clusters, near clusters split into two records (a chain
    whose ends differ) and records renamed by an id clash: find() fails when it finds none."""
    def holds(records: list[dict]) -> bool:
        done = reference_deduplicate("procedures", records, 0.8)
        if case == "two exact in one":
            exact = [c["record_id"] for c in done.clusters if c["level"] == "exact"]
            return len(set(exact)) < len(exact)
        if case == "renamed":
            return done.renamed > 0
        if case == "chain split":
            near = [c for c in done.clusters if c["level"] == "near_duplicate"]
            return len({c["record_id"] for c in near}) < len(near) or any(
                len({m["path"] for m in c["members"]}) < 3 for c in near) and len(near) > 1
        return any(c["level"] == case for c in done.clusters)

    find(record_sets(), holds, settings=settings(database=None, max_examples=500))
