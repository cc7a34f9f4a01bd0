#!/usr/bin/env python3
"""Per-page figures of the parts and the streaming merge (the numbers docs/distributed.md scales up).

    python benchmarks/bench_merge.py --raw /tmp/synth20k [--workers 2] [--batch-size 500]

Extracts every page of --raw into batch parts (ingest.assembly.run.extract_batch, as a build does,
no cache), then merges them (ingest.assembly.assemble.assemble_parts) in this process, and prints:
bytes of parts per page (records, dedup entries, bookkeeping, quarantine), the merge's time per page,
and the client's memory during the merge (peak RSS of this process over the merge, sampled, minus
its RSS before). Asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

from ingest.assembly.assemble import assemble_parts
from ingest.assembly.run import batches, discover, extract_batch
from ingest.page.parallel import shutdown_pool
from ingest.settings import BuildSettings

MB = 1024 * 1024


def peak_rss_during(fn):
    """(fn's result, peak RSS of this process while it ran, RSS before)."""
    me, peak, stop = psutil.Process(), [0], threading.Event()
    before = me.memory_info().rss

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            stop.wait(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        result = fn()
    finally:
        stop.set()
        watcher.join()
    return result, max(peak[0], me.memory_info().rss), before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--raw", type=Path, required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=500)
    args = ap.parse_args()
    settings = BuildSettings(workers=args.workers, batch_size=args.batch_size)
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        out = Path(tmp) / "out"
        fp = discover(args.raw, out)
        n = fp.count
        started = time.perf_counter()
        try:
            parts = [extract_batch(batch, settings, out, use_cache=False) for batch in batches(fp, settings)]
        finally:
            shutdown_pool()
        extract = time.perf_counter() - started
        sizes: Counter[str] = Counter()
        for part in parts:
            for f in Path(part.folder).iterdir():
                sizes[f.name.split(".")[0]] += f.stat().st_size
        started = time.perf_counter()
        staged, peak, before = peak_rss_during(lambda: assemble_parts(parts, out / "merged", settings.dedup_threshold))
        merge = time.perf_counter() - started
        released = sum(f.size for f in staged.datasets.values()) + staged.quarantine.size
    total = sum(sizes.values())
    print(f"pages: {n:,} in {len(parts)} batches; extract {extract:.1f} s ({extract / n * 1e3:.2f} ms/page, "
          f"{args.workers} workers)")
    print(f"parts: {total / MB:,.1f} MB = {total / n / 1024:.2f} KB/page (" +
          ", ".join(f"{k} {v / n / 1024:.2f}" for k, v in sorted(sizes.items())) + " KB/page)")
    print(f"merged datasets + quarantine: {released / MB:,.1f} MB = {released / n / 1024:.2f} KB/page")
    print(f"merge (assemble_parts): {merge:.1f} s = {merge / n * 1e3:.2f} ms/page; client RSS {before / MB:,.0f} MB "
          f"before, peak {peak / MB:,.0f} MB (+{(peak - before) / MB:,.0f} MB = {(peak - before) / n:,.0f} B/page)")


if __name__ == "__main__":
    main()
