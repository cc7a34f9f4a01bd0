"""The per-page stage (`ingest.page.process.process_page`: read, decode, parse, classify, extract,
validate) against the bare `BeautifulSoup(page, "lxml")` parse, in one process.

    taskset -c 1 python benchmarks/bench_stage.py --pages 300 --rounds 3

Without Prefect's start-up or assemble/publish, this isolates what extraction changes cost.
CPU time (time.process_time), rounds interleaved (bare, stage, bare, stage, ...), so a noisy
neighbour hits both sides alike. Compare the printed ratio across commits, not the ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_corpus  # noqa: E402

from ingest.page.acquire import discover_pages  # noqa: E402
from ingest.page.process import process_page  # noqa: E402
from ingest.settings import BuildSettings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--raw", type=Path, default=None, help="measure on these pages instead of synthetic ones")
    args = ap.parse_args()

    raw = args.raw
    if raw is None:
        raw = Path(tempfile.mkdtemp(prefix="ingest-stage-")) / "raw"
        write_corpus(raw, args.pages, args.seed)
    refs = list(discover_pages(raw))[: args.pages]
    pages = [Path(ref.path).read_bytes() for ref in refs]
    settings = BuildSettings(workers=0)
    for ref in refs[:20]:  # warm caches (vocabularies, compiled patterns)
        process_page(ref, settings)
    bare = stage = 0.0
    for _ in range(args.rounds):
        started = time.process_time()
        for page in pages:
            BeautifulSoup(page, "lxml").decompose()
        bare += time.process_time() - started
        started = time.process_time()
        for ref in refs:
            process_page(ref, settings)
        stage += time.process_time() - started
    per = args.rounds * len(refs)
    print(f"pages: {len(refs)} x {args.rounds} rounds (CPU time)")
    print(f"bare BeautifulSoup(page, 'lxml'): {bare / per * 1000:.2f} ms/page")
    print(f"per-page stage (process_page):    {stage / per * 1000:.2f} ms/page")
    print(f"ratio stage speed / bare parse speed: {bare / stage:.2f}x")


if __name__ == "__main__":
    main()
