"""Nightly refreshes over months: does the build's cost stay flat while the raw store's history grows?

A synthetic site (benchmarks/refresh_site.py: --pages procedure pages, each its own record) is
served over HTTP on 127.0.0.1. Each night a share of the live pages changes (some retitled, some
removed with 410, the rest new content), then the real commands run as a user runs them:
`ingest scrape --urls ...` (conditional requests: unchanged pages answer 304) and `ingest build`
(Prefect's start-up included). Per night it measures the build's wall time and peak memory (sum
of RSS over the build's process tree, sampled every 0.1 s) and checks the release:

* one record per live page, each with exactly one source: its URL's current version;
* no record from a superseded version (every source path is its URL's newest manifest version,
  every title the site's current title), `previous_versions` = earlier versions of the URL;
* changes.jsonl (procedures) lists exactly that night's changes (changed / retitled -> changed,
  removed -> removed);
* nothing lost: current pages + superseded versions = page files in the raw store, and every
  current page is a record source or a quarantine line.

`build s` is the whole command (Prefect's temporary server start-up included, 10-60 s on a
loaded machine); `CPU s` the CPU time of its process tree (much less sensitive to other load); `stages s` is what ingest itself spent (discover + extract + assemble +
publish, from the release's manifest), the part that could grow with history.

Run:  python benchmarks/bench_refresh.py --nights 60 --pages 2000 --workdir /tmp/refresh
The code under test is copied to WORKDIR/code first (edits made meanwhile do not leak in).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refresh_site import NightlySite, code_of, title_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCRAPE_TOML = """user_agent = "ingest-bench/0.1 (+https://example.invalid/bench)"
allow_private_addresses = true
min_delay = 0.0
per_host_concurrency = 8
workers = 8
max_retries = 2
backoff_base = 0.1
request_timeout = 20.0
"""


class PeakRss(threading.Thread):
    """Peak of the summed RSS of a process and its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:  # noqa: D102
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.stopped.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            total = 0
            for p in procs:
                try:
                    total += p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            self.stopped.wait(0.1)


def run(cmd: list[str], env: dict, log: Path) -> tuple[float, int, float]:
    """Run a command; (wall seconds, peak RSS bytes of its tree, CPU seconds of its tree). Exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("ab") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        sampler = PeakRss(proc.pid)
        sampler.start()
        proc.wait()
        sampler.stopped.set()
        sampler.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the tree's processes that were waited for
    if proc.returncode:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}; see {log}")
    return wall, sampler.peak, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()] if path.exists() else []


def check_night(night: int, site: NightlySite, base: str, raw: Path, out: Path, expected: dict[str, str],
                versions: dict[int, int]) -> tuple[list[str], dict]:
    """Problems found in the night's release (empty: all good) and a few counts."""
    problems: list[str] = []
    latest = out / "latest"
    manifest = json.loads((latest / "manifest.json").read_text())
    records = lines(latest / "procedures.jsonl")
    quarantine = lines(latest / "quarantine.jsonl")
    newest: dict[str, dict] = {}
    for entry in lines(raw / "manifest.jsonl"):
        newest[entry["url"]] = entry
    live = {i for i, p in site.pages.items() if not p.removed}
    want_ids = {f"procedure:cpt:{code_of(i)}": i for i in live}
    got_ids = {r["id"] for r in records}
    if got_ids != set(want_ids):
        problems.append(f"records: {len(got_ids - set(want_ids))} unexpected (stale), {len(set(want_ids) - got_ids)} missing")
    for r in records:
        i = want_ids.get(r["id"])
        if i is None:
            continue
        url = base + site.path(i)
        if len(r["sources"]) != 1:
            problems.append(f"{r['id']}: {len(r['sources'])} sources")
        elif r["sources"][0]["path"] != newest.get(url, {}).get("path"):
            problems.append(f"{r['id']}: source {r['sources'][0]['path']} is not the current version of {url}")
        if r["title"] != title_of(i, site.pages[i].title_version):
            problems.append(f"{r['id']}: stale title {r['title']!r}")
        if r.get("previous_versions") != versions[i] - 1:
            problems.append(f"{r['id']}: previous_versions {r.get('previous_versions')} != {versions[i] - 1}")
    changes = {(c["id"], c["change"]) for c in lines(latest / "changes.jsonl") if c.get("dataset") == "procedures"}
    want_changes = {(rid, kind) for rid, kind in expected.items()}
    if night > 0 and changes != want_changes:
        problems.append(f"changes.jsonl: {len(changes - want_changes)} unexpected, {len(want_changes - changes)} missing "
                        f"(e.g. {sorted(changes ^ want_changes)[:3]})")
    files = sum(1 for _ in (raw / "pages").rglob("*.html"))
    pages = manifest.get("inputs", {}).get("pages", 0)
    superseded = manifest.get("inputs", {}).get("superseded", 0)
    if pages + superseded != files:
        problems.append(f"accounting: {pages} current + {superseded} superseded != {files} files in the raw store")
    sources = sum(len(r["sources"]) for r in records)
    if sources + len(quarantine) != pages:
        problems.append(f"accounting: {sources} sources + {len(quarantine)} quarantined != {pages} current pages")
    if {q["reason"] for q in quarantine} - {"gone"}:
        problems.append(f"quarantine reasons: {sorted({q['reason'] for q in quarantine})}")
    stages = manifest.get("stage_seconds", {})
    return problems, {"records": len(records), "changes": len(changes), "superseded": superseded, "files": files,
                      "discover": stages.get("discover", 0.0), "stages": sum(stages.values())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nights", type=int, default=60)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--share", type=float, default=0.05, help="share of live pages changed per night")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=None, help="ingest build --workers (default: its own)")
    ap.add_argument("--max-ratio", type=float, default=1.2)
    a = ap.parse_args(argv)
    work = a.workdir or Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    code = work / "code"
    shutil.copytree(ROOT / "src", code / "src")
    shutil.copytree(ROOT / "flows", code / "flows")
    env = dict(os.environ, PREFECT_HOME=str(work / "prefect"), PYTHONPATH=f"{code / 'src'}{os.pathsep}{code}",
               COLUMNS="200")
    env.pop("PREFECT_API_URL", None)
    ingest = [sys.executable, "-m", "ingest.cli"]
    raw, out, log = work / "raw", work / "out", work / "log.txt"
    (work / "scrape.toml").write_text(SCRAPE_TOML)
    site = NightlySite(a.pages)
    server = site.serve()
    (work / "urls.txt").write_text("".join(f"{server.base}{site.path(i)}\n" for i in range(a.pages)))
    versions = {i: 1 for i in range(a.pages)}
    rows, failures = [], []
    print(f"{a.pages} pages, {a.nights} nights, {a.share:.0%} changed a night; workdir {work}; CPUs {psutil.cpu_count()}")
    print(f"{'night':>5} {'scrape s':>8} {'build s':>8} {'CPU s':>6} {'stages s':>8} {'discover s':>10} {'peak MB':>8} {'records':>8} "
          f"{'changes':>7} {'superseded':>10} {'raw files':>9}  check")
    try:
        for night in range(a.nights):
            expected: dict[str, str] = {}
            if night:
                changed = site.night(a.share)
                for i in changed["changed"] + changed["retitled"]:
                    versions[i] += 1
                    expected[f"procedure:cpt:{code_of(i)}"] = "changed"
                for i in changed["removed"]:
                    expected[f"procedure:cpt:{code_of(i)}"] = "removed"
            scrape_s, _, _ = run([*ingest, "scrape", "--config", str(work / "scrape.toml"), "--urls", str(work / "urls.txt"),
                               "--raw", str(raw)], env, log)
            build_cmd = [*ingest, "build", "--raw", str(raw), "--out", str(out)]
            if a.workers is not None:
                build_cmd += ["--workers", str(a.workers)]
            build_s, peak, cpu = run(build_cmd, env, log)
            problems, counts = check_night(night, site, server.base, raw, out, expected, versions)
            rows.append({"night": night + 1, "scrape_s": scrape_s, "build_s": build_s, "cpu_s": cpu, "peak_mb": peak / 2**20,
                         **counts})
            failures += [f"night {night + 1}: {p}" for p in problems]
            r = rows[-1]
            print(f"{r['night']:>5} {scrape_s:>8.1f} {build_s:>8.1f} {cpu:>6.1f} {r['stages']:>8.1f} {r['discover']:>10.2f} {r['peak_mb']:>8.0f} "
                  f"{r['records']:>8} {r['changes']:>7} {r['superseded']:>10} {r['files']:>9}  "
                  f"{'ok' if not problems else problems[0][:80]}", flush=True)
    finally:
        server.stop()
    (work / "curve.json").write_text(json.dumps(rows, indent=1))
    first, last = rows[0], rows[-1]
    t_ratio, m_ratio = last["build_s"] / first["build_s"], last["peak_mb"] / first["peak_mb"]
    print(f"\nlast/first build time {t_ratio:.2f}x, peak memory {m_ratio:.2f}x (limit {a.max_ratio}x)")
    if len(rows) >= 8:  # incremental nights only: the first is a cold build
        early, late = rows[1:4], rows[-3:]
        med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(f"median of the last 3 nights / nights 2-4 (incremental against incremental): build time "
              f"{med(late, 'build_s') / med(early, 'build_s'):.2f}x, peak memory "
              f"{med(late, 'peak_mb') / med(early, 'peak_mb'):.2f}x, CPU {med(late, 'cpu_s') / med(early, 'cpu_s'):.2f}x, "
              f"ingest's own stages "
              f"{med(late, 'stages') / med(early, 'stages'):.2f}x, discover {med(late, 'discover') / max(med(early, 'discover'), 1e-9):.2f}x")
    if t_ratio > a.max_ratio or m_ratio > a.max_ratio:
        failures.append(f"last night {t_ratio:.2f}x the time / {m_ratio:.2f}x the memory of the first (> {a.max_ratio}x)")
    print("\n".join(failures[:20]) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
