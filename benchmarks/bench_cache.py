#!/usr/bin/env python3
"""The extraction cache's cost: a cold build (every result written) and warm builds (every result read).

    python benchmarks/bench_cache.py --raw raw --runs 3                 # the sample pages
    python benchmarks/bench_cache.py --synth 5000 --runs 3              # generated pages (benchmarks/synth.py)

Builds through ingest.assembly.run.run_build (no Prefect) into a fresh output folder, then removes
`releases/` and `latest` (keeping `.cache/`) before each warm build, so the warm builds extract
nothing and read every page's result from the cache. Gates are opened and the page time limit raised: on a
loaded machine a timeout would refuse the build (and timeouts are never cached). Prints the cold time, each warm time, the
extraction stage of each and the cache's size on disk (files, bytes).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _disk(folder: Path) -> tuple[int, int]:
    files = size = 0
    for root, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(root, name)).st_blocks * 512
    return files, size


def _cache_alone(raw: Path, out: Path, copy: Path, settings) -> None:
    """The cache's own cost: read every entry of out's cache, then write them all into an empty one."""
    from ingest.assembly.incremental import fingerprint_raw
    from ingest.page.cache import ExtractionCache, page_key

    keys = [page_key(ref, sha, settings) for ref, sha in fingerprint_raw(raw, out).pages() if sha]
    cache = ExtractionCache.for_output(out)
    started = time.perf_counter()
    hits = cache.get_many(keys)
    read = time.perf_counter() - started
    cache.close()
    shutil.rmtree(copy, ignore_errors=True)
    empty = ExtractionCache.for_output(copy)
    started = time.perf_counter()
    empty.put_many(hits.items())
    write = time.perf_counter() - started
    empty.close()
    print(f"alone {len(hits)} entries: read {read:.3f} s ({read / len(hits) * 1e6:.0f} us each), "
          f"write {write:.3f} s ({write / len(hits) * 1e6:.0f} us each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, help="a folder of raw pages")
    parser.add_argument("--synth", type=int, help="generate this many pages instead (seed 1)")
    parser.add_argument("--runs", type=int, default=3, help="warm builds")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--reuse", action="store_true", help="with --work: keep its output and cache (no cold build)")
    args = parser.parse_args()
    from ingest.assembly.run import run_build
    from ingest.settings import BuildSettings

    work = Path(args.work or tempfile.mkdtemp(prefix="bench-cache-"))
    try:
        raw = args.raw
        if args.synth:
            from synth import write_corpus

            raw = work / "raw"
            if not raw.exists():
                write_corpus(str(raw), args.synth, seed=1)
        out = work / "out"
        settings = BuildSettings(workers=args.workers, shrink_margin=1.0, failure_margin=1.0, page_time_limit=120.0)
        if not (args.reuse and (out / "latest").exists()):
            shutil.rmtree(out, ignore_errors=True)
            started = time.perf_counter()
            summary = run_build(raw, out, settings)
            print(f"cold  {time.perf_counter() - started:7.2f} s  extract "
                  f"{summary.stage_seconds.get('extract', 0):7.3f} s")
        for run in range(args.runs):
            shutil.rmtree(out / "releases")
            (out / "latest").unlink()
            started = time.perf_counter()
            summary = run_build(raw, out, settings)
            print(f"warm{run + 1} {time.perf_counter() - started:7.2f} s  extract "
                  f"{summary.stage_seconds.get('extract', 0):7.3f} s  published {summary.published}")
        files, size = _disk(out / ".cache")
        print(f"cache {files} files, {size / 1e6:.1f} MB on disk")
        _cache_alone(raw, out, work / "copy", settings)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
