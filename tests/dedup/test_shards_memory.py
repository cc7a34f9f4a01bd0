"""Rows waiting to be written to a shard cost their bytes, not orjson's write buffer (4 KB a row:
the entries pass of dedup's plan held ~160 MB of pending rows at 300,000 pages)."""

from __future__ import annotations

import tracemalloc

from ingest.dedup.shards import JsonShards


def test_pending_rows_hold_about_their_own_bytes(tmp_path):
    rows = [[f"key-{i}", i, f"site/page-{i}.html", "2025-01-01", "", f"procedure:site:{i}"] for i in range(5000)]
    shards = JsonShards(tmp_path, "keys", 4, buffer=64 << 20)  # nothing written before close()
    tracemalloc.start()
    try:
        for row in rows:
            shards.add(row[0], row)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    shards.close()
    written = sum(p.stat().st_size for p in shards.paths)
    assert written > 5000 * 60
    assert held < 3 * written, (held, written)  # orjson's buffers kept per row: ~20 MB here, 70x the bytes


def test_the_shards_hold_every_row_once(tmp_path):
    shards = JsonShards(tmp_path, "ids", 3, buffer=100)  # flushed many times on the way
    for i in range(500):
        shards.add(f"id-{i}", [f"id-{i}", i])
    shards.close()
    found = sorted(row[1] for rows in shards for row in rows)
    assert found == list(range(500))
