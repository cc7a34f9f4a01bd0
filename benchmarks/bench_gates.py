"""What issue 21's checks cost on a large release: the verification of `latest` (sizes, SHA-256, line
counts), the publish base, the path checks and the unchanged check, against the cold build they guard.

    python benchmarks/bench_gates.py --pages 20000 --workdir /tmp/bench-gates   # corpus and release reused
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_corpus  # noqa: E402

from ingest.assembly.gates import check_paths  # noqa: E402
from ingest.assembly.incremental import unchanged_release  # noqa: E402
from ingest.assembly.run import discover, run_build  # noqa: E402
from ingest.release.layout import PublishBase, latest_release, verify_release  # noqa: E402
from ingest.settings import BuildSettings  # noqa: E402


def best(fn, n: int = 5) -> str:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return f"best {min(times):.4f} s, median {statistics.median(times):.4f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench-gates"))
    args = ap.parse_args()
    raw, out = args.workdir / "raw", args.workdir / "out"
    if not raw.exists():
        write_corpus(str(raw), args.pages, seed=1)
    settings = BuildSettings(workers=args.workers)
    if latest_release(out) is None:
        started = time.perf_counter()
        run_build(raw, out, settings)
        print(f"cold library build: {time.perf_counter() - started:.1f} s")
    latest = latest_release(out)
    size = sum(p.stat().st_size for p in latest.rglob("*") if p.is_file())
    print(f"release {latest.name}: {size / 1e6:.1f} MB")
    fp = discover(raw, out)
    print("verify_release(latest)     ", best(lambda: verify_release(latest)))
    print("PublishBase.of(out)        ", best(lambda: PublishBase.of(out)))
    print("check_paths(raw, out)      ", best(lambda: check_paths(raw, out)))
    print("unchanged_release(...)     ", best(lambda: unchanged_release(out, fp, settings)))
    started = time.perf_counter()
    run_build(raw, out, settings)
    print(f"unchanged run_build: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
