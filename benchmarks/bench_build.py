"""Benchmark the whole `ingest build` command against the bare BeautifulSoup parse, in one run.

    python benchmarks/bench_build.py --pages 20000 --pin          # issue 2: build vs bare parse
    python benchmarks/bench_build.py --pages 20000 --incremental  # issue 4: cold vs warm rebuild
    python benchmarks/bench_build.py --pages 2000 --library       # also the library build, no Prefect

The machines are shared and noisy, so only ratios measured in the same run mean much.
The bare parse rate is measured on a sample of the same pages (--baseline-pages).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import write_corpus  # noqa: E402


def bare_parse_rate(pages: list[Path], pin: bool) -> float:
    """Pages/s of BeautifulSoup(page, "lxml") alone (one process, pinned like the build)."""
    if pin:
        os.sched_setaffinity(0, {0})
    data = [p.read_bytes() for p in pages]
    started = time.perf_counter()
    for page in data:
        BeautifulSoup(page, "lxml")
    return len(data) / (time.perf_counter() - started)


def run_build(raw: Path, out: Path, pin: bool, force: bool, prefect_home: Path) -> float:
    """Wall-clock seconds of `ingest build` as a user runs it (Prefect start-up included)."""
    cmd = [str(Path(sys.executable).parent / "ingest"), "build", "--raw", str(raw), "--out", str(out)]
    if force:
        cmd.append("--force")
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    env = dict(os.environ, PREFECT_HOME=str(prefect_home))
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"ingest build failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def run_library_build(raw: Path, out: Path, pin: bool) -> float:
    """Wall-clock seconds of the Prefect-free build (ingest.assembly.run.run_build) in a fresh process."""
    code = ("import sys; from pathlib import Path; from ingest.assembly.run import run_build; "
            "run_build(Path(sys.argv[1]), Path(sys.argv[2]), force=True)")
    cmd = [sys.executable, "-c", code, str(raw), str(out)]
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"run_build failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-pages", type=int, default=2000, help="pages the bare parse rate is measured on")
    ap.add_argument("--pin", action="store_true", help="pin the build and the baseline to CPU 0 (taskset -c 0)")
    ap.add_argument("--incremental", action="store_true", help="also time a warm rebuild and a 1%% change")
    ap.add_argument("--library", action="store_true", help="also time the Prefect-free library build (run_build)")
    ap.add_argument("--workdir", type=Path, default=None, help="keep the corpus here (reused if present)")
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    raw = work / f"raw-{args.pages}-{args.seed}"
    if not raw.exists():
        t = time.perf_counter()
        write_corpus(raw, args.pages, args.seed)
        print(f"generated {args.pages} pages in {time.perf_counter() - t:.1f} s -> {raw}")
    pages = sorted(raw.rglob("*.html"))
    prefect_home = work / "prefect-home"
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    # warm Prefect's database once so that every timed run starts from the same state a user has
    run_build(Path(__file__).resolve().parents[1] / "raw", work / "warmup-out", args.pin, True, prefect_home)

    sample = pages[: args.baseline_pages]
    bare = bare_parse_rate(sample, args.pin)
    cold = run_build(raw, out, args.pin, False, prefect_home)
    rate = len(pages) / cold
    print(f"\npages: {len(pages)}   pinned to one core: {args.pin}")
    print(f"{'measure':44s} {'seconds':>9s} {'pages/s':>9s}")
    label = f'bare BeautifulSoup(page, "lxml"), {len(sample)} pages'
    print(f"{label:44s} {len(sample) / bare:9.1f} {bare:9.1f}")
    print(f"{'ingest build, cold (Prefect start-up incl.)':44s} {cold:9.1f} {rate:9.1f}")
    print(f"ratio build/bare parse: {rate / bare:.2f}x")
    if args.library:
        library = run_library_build(raw, work / "out-library", args.pin)
        print(f"{'library run_build, no Prefect (forced)':44s} {library:9.1f} {len(pages) / library:9.1f}")
        print(f"ratio CLI build/library build (Prefect's share): {cold / library:.2f}x")
    if args.incremental:
        warm = run_build(raw, out, args.pin, False, prefect_home)
        print(f"{'ingest build, nothing changed':44s} {warm:9.1f}")
        for page in pages[:: 100]:
            page.write_bytes(page.read_bytes().replace(b"</main>", b"<p>Edited.</p></main>", 1))
        changed = run_build(raw, out, args.pin, False, prefect_home)
        print(f"{'ingest build, 1% of pages changed':44s} {changed:9.1f}")
        print(f"ratio warm/cold: {warm / cold:.3f}  (target <= 0.1)   1%-changed/cold: {changed / cold:.3f}")


if __name__ == "__main__":
    main()
