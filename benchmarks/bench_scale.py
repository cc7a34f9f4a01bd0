#!/usr/bin/env python3
"""Scaling benchmark of `ingest build`: one core vs two worker processes, and peak memory.

    python benchmarks/bench_scale.py                     # 20,000 synthetic pages (several minutes)
    python benchmarks/bench_scale.py --pages 100000      # the full run (peak RSS goal: < 1.5 GB)
    python benchmarks/bench_scale.py --pages 30000 --runs d   # on a Dask cluster started here (below)

In one run, on the same synthetic pages (benchmarks/synth.py, kept in --workdir and reused):
  (a) bare BeautifulSoup(page, "lxml") parse rate on a sample, pinned to CPU 0 (taskset -c 0);
  (b) `ingest build --workers 0` pinned to CPU 0;
  (c) `ingest build --workers 2`, unpinned;
  (d) `ingest build --dask` on a real local cluster: a Prefect server, a dask scheduler and
      --workers dask worker processes (one thread each), started here as tests/distributed starts
      them and stopped at the end; its RSS sums the build's tree and the whole cluster;
  peak RSS of each build's process tree (the ingest process and all its children: extraction
      workers, Prefect's temporary server), sampled every 0.2 s with psutil, per build phase.
Every build runs with --force into a fresh --out, so no cache helps. Prints tables, asserts nothing.
The machines are shared and noisy: only ratios measured in the same run mean much (load average
is printed next to each run).

Phases come from Prefect's own log lines (the builds run with --verbose): start-up (import Prefect,
start the temporary server), discover, extract (until the last `extract-batch` task run finished),
then the `publish-release` task, split in two with the build's own stage timings: hand-off (Prefect
taking the results in as the task's parameter, before the task body runs) and assemble+publish
(assemble, dedup, code index, quality, write the release), then shutdown.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from local_cluster import DaskCluster  # noqa: E402
from synth import write_corpus  # noqa: E402

INGEST = str(Path(sys.executable).parent / "ingest")
SAMPLE_EVERY = 0.2
MB = 1024 * 1024
PHASES = ("start-up", "discover", "extract", "hand-off", "assemble+publish", "shutdown")
_ELAPSED = re.compile(r"elapsed\s+([\d.]+) s\s+\((.*?)\)")
_STAGE = re.compile(r"(\w+) ([\d.]+) s")


# --------------------------------------------------------------------------- (a) bare parse
def bare_parse(raw: Path, n: int) -> dict:
    """Pages/s of BeautifulSoup(page, "lxml") alone, in a child process pinned to CPU 0."""
    code = ("import json, sys, time\n"
            "from pathlib import Path\n"
            "from bs4 import BeautifulSoup\n"
            "pages = sorted(Path(sys.argv[1]).rglob('*.html'))[:int(sys.argv[2])]\n"
            "data = [p.read_bytes() for p in pages]\n"
            "t = time.perf_counter()\n"
            "for d in data:\n"
            "    BeautifulSoup(d, 'lxml')\n"
            "dt = time.perf_counter() - t\n"
            "print(json.dumps({'pages': len(data), 'seconds': dt, 'mb': sum(map(len, data)) / 1e6}))\n")
    proc = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code, str(raw), str(n)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- (b), (c), (d) builds
@dataclass
class Run:
    label: str
    pages: int
    wall: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    loadavg: float = 0.0
    peak_total: int = 0  # bytes, sum of RSS over the tree
    peak_at: float = 0.0
    peak_phase: str = ""
    peak_parts: dict[str, int] = field(default_factory=dict)
    phase_peak: dict[str, int] = field(default_factory=dict)
    phase_start: dict[str, float] = field(default_factory=dict)
    samples: list[tuple[float, str, int, dict[str, int]]] = field(default_factory=list)

    def split_finalize(self) -> None:
        """Split the live `finalize` phase at the start of assemble+publish (known from the stage timings)."""
        end = self.phase_start.get("shutdown")
        if end is not None and "finalize" not in self.phase_start and "extract" in self.phase_start:
            # on Dask the extract-batch task runs log on the workers: the extract phase ends where
            # the client's hand-off + assemble + publish began (the build's own stage timings)
            self.phase_start["finalize"] = max(self.phase_start["extract"], end - self.stages.get("assemble", 0)
                                               - self.stages.get("publish", 0) - 0.5)
            cut = self.phase_start["finalize"]
            self.samples = [(t, "finalize" if ph == "extract" and t >= cut else ph, tot, parts)
                            for t, ph, tot, parts in self.samples]
        if end is None or "finalize" not in self.phase_start:
            return
        cut = max(self.phase_start["finalize"], end - self.stages.get("assemble", 0) - self.stages.get("publish", 0))
        self.phase_start["hand-off"] = self.phase_start.pop("finalize")
        self.phase_start["assemble+publish"] = cut
        self.samples = [(t, ("hand-off" if t < cut else "assemble+publish") if ph == "finalize" else ph, tot, parts)
                        for t, ph, tot, parts in self.samples]
        self.phase_peak = {}
        for t, ph, tot, parts in self.samples:
            self.phase_peak[ph] = max(self.phase_peak.get(ph, 0), tot)
            if (t, tot) == (self.peak_at, self.peak_total):
                self.peak_phase = ph

    def durations(self) -> dict[str, float]:
        marks = sorted((t, ph) for ph, t in self.phase_start.items()) + [(self.wall, "")]
        return {ph: marks[i + 1][0] - t for i, (t, ph) in enumerate(marks[:-1])}

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    @property
    def extract_rate(self) -> float:
        return self.pages / self.stages["extract"] if self.stages.get("extract") else float("nan")


def _kind(proc: psutil.Process, root: int) -> str:
    if proc.pid == root:
        return "ingest"
    try:
        cmd = " ".join(proc.cmdline())
    except (psutil.Error, OSError):
        return "other"
    if "uvicorn" in cmd or "prefect.server" in cmd or "prefect server" in cmd:
        return "prefect server"
    if "multiprocessing" in cmd or "forkserver" in cmd:
        return "extract workers"
    return "other"


class Sampler(threading.Thread):
    """Sum of RSS over a process and its descendants every SAMPLE_EVERY seconds, tagged by phase
    (plus `extra` processes and their descendants: a Dask cluster's, tagged by their kind)."""

    def __init__(self, pid: int, run: Run, phase: list[str], started: float,
                 extra: dict[int, str] | None = None) -> None:
        super().__init__(daemon=True)
        self.pid, self.result, self.phase, self.started = pid, run, phase, started
        self.extra = extra or {}
        self.stopped = threading.Event()

    def run(self) -> None:  # noqa: D102 - threading.Thread API
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        kinds: dict[int, str] = {}
        while not self.stopped.is_set():
            parts: dict[str, int] = {}
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for pid, kind in self.extra.items():
                try:
                    leader = psutil.Process(pid)
                    for p in (leader, *leader.children(recursive=True)):
                        kinds.setdefault(p.pid, kind)
                        procs.append(p)
                except psutil.NoSuchProcess:
                    continue
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                kind = kinds.get(p.pid) or kinds.setdefault(p.pid, _kind(p, self.pid))
                parts[kind] = parts.get(kind, 0) + rss
            total = sum(parts.values())
            t = time.perf_counter() - self.started
            phase = self.phase[0]
            r = self.result
            r.samples.append((t, phase, total, parts))
            r.phase_peak[phase] = max(r.phase_peak.get(phase, 0), total)
            if total > r.peak_total:
                r.peak_total, r.peak_at, r.peak_phase, r.peak_parts = total, t, phase, parts
            self.stopped.wait(SAMPLE_EVERY)


def run_build(label: str, raw: Path, out: Path, pages: int, batch_size: int, workers: int, pin: bool,
              prefect_home: Path, timeout: float, cluster: "DaskCluster | None" = None) -> Run:
    """`ingest build --force` as a user runs it (Prefect start-up included), watched by a Sampler."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [INGEST, "build", "--raw", str(raw), "--out", str(out), "--workers", str(workers), "--force",
           "--batch-size", str(batch_size), "--verbose"]
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]  # taskset execs: same pid
    env = dict(os.environ, PREFECT_HOME=str(prefect_home), COLUMNS="250")
    env.pop("PREFECT_API_URL", None)  # the ephemeral mode a user gets by default
    if cluster is not None:
        cmd += ["--dask", cluster.scheduler]
        env["PREFECT_API_URL"] = cluster.api_url
    n_batches = -(-pages // batch_size)
    run = Run(label, pages, loadavg=os.getloadavg()[0])
    phase = ["start-up"]
    started = time.perf_counter()
    run.phase_start["start-up"] = 0.0
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    sampler = Sampler(proc.pid, run, phase, started, cluster.kinds() if cluster is not None else None)
    sampler.start()
    stdout: list[str] = []
    err_tail: list[str] = []

    def set_phase(name: str) -> None:
        if phase[0] != name:
            phase[0] = name
            run.phase_start[name] = time.perf_counter() - started

    def read_stdout() -> None:
        stdout.extend(proc.stdout)

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    batches_done = 0
    killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, 9))
    killer.start()
    try:
        for line in proc.stderr:  # Prefect's log lines
            err_tail = (err_tail + [line])[-40:]
            if "Beginning flow run" in line:
                set_phase("discover")
            elif "Task run 'discover-pages" in line and "Finished" in line:
                set_phase("extract")
            elif "Task run 'extract-batch" in line and "Finished" in line:
                batches_done += 1
                if batches_done >= n_batches:
                    set_phase("finalize")
            elif "Task run 'publish-release" in line and "Finished" in line:
                set_phase("shutdown")
        proc.wait()
    finally:
        killer.cancel()
        run.wall = time.perf_counter() - started
        sampler.stopped.set()
        sampler.join()
        reader.join(timeout=10)
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
    if proc.returncode != 0:
        sys.exit(f"{label}: ingest build failed ({proc.returncode}):\n{''.join(stdout)}\n{''.join(err_tail)}")
    text = "".join(stdout)
    m = _ELAPSED.search(text)
    if m:
        run.stages = {k: float(v) for k, v in _STAGE.findall(m.group(2))}
    run.split_finalize()
    return run


# --------------------------------------------------------------------------- report
def code_version() -> str:
    """The ingest code the builds import: git revision of the checkout (+ dirty files), or PYTHONPATH."""
    import ingest

    where = Path(ingest.__file__).resolve().parents[2]
    try:
        rev = subprocess.run(["git", "-C", str(where), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "src", "flows"],
                               capture_output=True, text=True, timeout=10).stdout.split("\n")
        dirty = [line[3:] for line in dirty if line.strip()]
    except (OSError, subprocess.SubprocessError):
        rev, dirty = "", []
    text = f"{where}" + (f" @ {rev}" if rev else " (not a git checkout)")
    return text + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else "")


def fmt_mb(n: int) -> str:
    return f"{n / MB:,.0f}"


def print_timeline(run: Run, points: int = 24) -> None:
    """A coarse RSS timeline (about `points` rows) so one can see which stage grows."""
    if not run.samples:
        return
    step = max(1, len(run.samples) // points)
    kinds = ("ingest", "extract workers", "prefect server", "other")
    print(f"\n  RSS over time, {run.label} (MB; peak {fmt_mb(run.peak_total)} at {run.peak_at:.0f} s, {run.peak_phase})")
    print(f"  {'t (s)':>7s} {'phase':16s} {'total':>7s} " + " ".join(f"{k:>15s}" for k in kinds))
    rows = run.samples[::step]
    if run.samples[-1] is not rows[-1]:
        rows.append(run.samples[-1])
    peak_row = max(run.samples, key=lambda s: s[2])
    if peak_row not in rows:
        rows = sorted([*rows, peak_row], key=lambda s: s[0])
    for t, phase, total, parts in rows:
        mark = " <- peak" if (t, total) == (peak_row[0], peak_row[2]) else ""
        print(f"  {t:7.1f} {phase:16s} {fmt_mb(total):>7s} " + " ".join(f"{fmt_mb(parts.get(k, 0)):>15s}" for k in kinds) + mark)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--baseline-pages", type=int, default=2000, help="pages the bare parse rate is measured on")
    ap.add_argument("--batch-size", type=int, default=500, help="pages per Prefect task run (the CLI default)")
    ap.add_argument("--workers", type=int, default=2, help="extraction processes for run (c)")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ingest-bench",
                    help="corpus and outputs go here; the corpus is reused if present")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before a build is killed")
    ap.add_argument("--keep-outputs", action="store_true", help="keep each run's --out folder")
    ap.add_argument("--timeline", type=int, default=24, help="rows of the RSS timeline per run (0: none)")
    ap.add_argument("--runs", default="bc", help="which builds: b (one core), c (--workers N), d (Dask cluster of "
                                                 "--workers worker processes), any of them together (default bc)")
    args = ap.parse_args()

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    raw = work / f"raw-{args.pages}-{args.seed}"
    if not (raw / ".complete").exists():
        shutil.rmtree(raw, ignore_errors=True)
        t = time.perf_counter()
        stats = write_corpus(str(raw), args.pages, args.seed)
        (raw / ".complete").write_text("ok\n")  # not a page suffix: discover_pages ignores it
        print(f"generated {args.pages} pages ({stats['total_mb']:.0f} MB) in {time.perf_counter() - t:.1f} s -> {raw}")
    else:
        print(f"reusing {raw}")
    html = sorted(raw.rglob("*.html"))
    n_pages = len(html)
    t = time.perf_counter()
    corpus_mb = sum(len(p.read_bytes()) for p in html) / 1e6  # also warms the OS page cache: no run reads cold
    print(f"read the corpus once (page cache) in {time.perf_counter() - t:.1f} s")
    prefect_home = work / "prefect-home"

    # warm Prefect's database (migrations) so each timed run starts from the state a user has
    warm = run_build("warm-up", REPO / "raw", work / "out-warmup", 25, args.batch_size, 0, False, prefect_home, 600)
    print(f"warm-up build on raw/: {warm.wall:.1f} s")

    bare = bare_parse(raw, args.baseline_pages)
    bare_rate = bare["pages"] / bare["seconds"]
    runs: list[Run] = []
    for key, label, workers, pin in (("b", "(b) --workers 0, taskset -c 0", 0, True),
                                     ("c", f"(c) --workers {args.workers}, unpinned", args.workers, False),
                                     ("d", f"(d) --dask, {args.workers} dask workers", 0, False)):
        if key in args.runs:
            cluster = DaskCluster(work, args.workers) if key == "d" else None
            try:
                runs.append(run_build(label, raw, work / f"out-{key}", n_pages, args.batch_size, workers, pin,
                                      prefect_home, args.timeout, cluster))
            finally:
                if cluster is not None:
                    cluster.stop()
            if not args.keep_outputs:
                shutil.rmtree(work / f"out-{key}", ignore_errors=True)
    b = next((r for r in runs if r.label.startswith("(b)")), None)
    c = next((r for r in runs if r.label.startswith("(c)")), None)

    print(f"\ncode: {code_version()}")
    print(f"pages: {n_pages} ({corpus_mb:,.0f} MB)   batch size: {args.batch_size}   CPUs: {psutil.cpu_count()}   "
          f"sampled RSS every {SAMPLE_EVERY} s")
    print(f"\n{'measure':40s} {'wall s':>8s} {'pages/s':>8s} {'extract s':>10s} {'extract p/s':>12s} "
          f"{'peak RSS MB':>12s} {'peak in':>16s} {'load':>5s}")
    label = f'(a) bare BeautifulSoup lxml, {bare["pages"]} pages'
    print(f"{label:40s} {bare['seconds']:8.1f} {bare_rate:8.1f} {'':>10s} {'':>12s} {'':>12s} {'':>16s} {'':>5s}")
    for r in runs:
        print(f"{r.label:40s} {r.wall:8.1f} {r.rate:8.1f} {r.stages.get('extract', float('nan')):10.1f} "
              f"{r.extract_rate:12.1f} {fmt_mb(r.peak_total):>12s} {r.peak_phase:>16s} {r.loadavg:5.1f}")
    print("\nstages (s, from the build's own summary):")
    for r in runs:
        print(f"  {r.label:38s} " + ", ".join(f"{k} {v:.1f}" for k, v in r.stages.items()))
    print("\nphases (s, from Prefect's log lines; see the docstring):")
    print(f"  {'':38s} " + " ".join(f"{p:>{max(9, len(p))}s}" for p in PHASES))
    for r in runs:
        d = r.durations()
        print(f"  {r.label:38s} " + " ".join(f"{d[p]:{max(9, len(p))}.1f}" if p in d else f"{'-':>{max(9, len(p))}s}" for p in PHASES))
    print("\npeak RSS of the process tree per phase (MB):")
    print(f"  {'':38s} " + " ".join(f"{p:>{max(9, len(p))}s}" for p in PHASES))
    for r in runs:
        print(f"  {r.label:38s} " + " ".join(f"{fmt_mb(r.phase_peak[p]) if p in r.phase_peak else '-':>{max(9, len(p))}s}"
                                            for p in PHASES))
    print("\n  at the peak: " + "; ".join(f"{r.label}: " + ", ".join(f"{k} {fmt_mb(v)}" for k, v in
                                                                     sorted(r.peak_parts.items()))
                                          for r in runs))
    print("\nratios:")
    if b and c:
        print(f"  (c)/(b) pages/s, wall clock (Prefect start-up incl.): {c.rate / b.rate:.2f}x   (goal >= 1.8)")
        print(f"  (c)/(b) pages/s, extract stage only:                  {c.extract_rate / b.extract_rate:.2f}x")
    if b:
        print(f"  (b)/(a) one-core build vs bare parse, wall clock:     {b.rate / bare_rate:.2f}x"
              f"   extract stage only: {b.extract_rate / bare_rate:.2f}x")
    peak = max(r.peak_total for r in runs)
    print(f"  peak RSS, max over builds: {fmt_mb(peak)} MB   (goal < 1,536 MB: "
          f"{'met' if peak < 1536 * MB else f'over by {fmt_mb(peak - 1536 * MB)} MB'})")
    if args.timeline:
        for r in runs:
            print_timeline(r, args.timeline)
    samples = work / f"rss-{n_pages}.json"
    samples.write_text(json.dumps({r.label: {"phase_start": r.phase_start, "stages": r.stages,
                                             "samples": [(round(t, 2), ph, tot, parts) for t, ph, tot, parts in r.samples]}
                                   for r in runs}))
    print(f"\nall RSS samples: {samples}")


if __name__ == "__main__":
    main()
