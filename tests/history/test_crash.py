"""Crash safety: real build processes SIGKILLed at every publish stage never leave `latest` broken.

Each build runs in its own process (crash_driver.py: discover -> extract -> assemble ->
publish, no Prefect). It is killed at a named checkpoint (INGEST_KILL_AT, see
ingest.faults), including half-way through writing a file, and at random moments by
the parent (SIGKILL to the build's process group, workers included). After every kill
`latest` must point at a complete release whose checksums verify; the next build succeeds
and `gc` removes what the killed builds left behind.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ingest import faults
from ingest.release.diff import diff_releases
from ingest.cli.releases import register
from ingest.models import DATASETS
from ingest.release.layout import LATEST, RELEASES, read_manifest, release_dirs, resolve_release, verify_release

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "raw" / "sample"
DRIVER = Path(__file__).with_name("crash_driver.py")
SEED = int(os.environ.get("INGEST_CRASH_SEED", "20261122"))

# Small corpus (no glossary page: loading the ICD-10 code set costs ~1.5 s a process).
V1 = ["billing-example/cpt-29881.html", "billing-example/cpt-45378.html", "codes-example/carpal-tunnel-release.html",
      "codes-example/knee-arthroscopy.html", "health-example/colonoscopy.html", "health-example/cataract-surgery.html",
      "exports/cystoscopy-52000.txt", "other/empty.html", "other/site-logo.html"]
V2 = [p for p in V1 if p != "exports/cystoscopy-52000.txt"] + ["codes-example/trigger-finger-release.html"]
EDITED = "health-example/colonoscopy.html"  # changed in V2

# (kill point, what `latest` must be afterwards): "old" = unchanged and no new release in view;
# "orphan" = unchanged, the new release complete beside it; "new" = the new, complete release.
KILLS = [
    ("extract.batch", "old"), ("extract.batch#6", "old"), ("assemble", "old"), ("assemble.done", "old"),
    ("part.begin", "old"), ("part.line:records.procedures.jsonl#2", "old"), ("part.line:pages.jsonl#3", "old"),
    ("part.complete", "old"), ("merge.line:procedures.jsonl#2", "old"), ("merge.line:codes.jsonl", "old"),
    ("merge.line:entities.jsonl", "old"), ("merge.line:quarantine.jsonl", "old"),
    ("publish.begin", "old"),
    ("write.before:billing.jsonl", "old"), ("write.after:procedures.jsonl", "old"),
    ("write.before:terms.jsonl", "old"),
    ("write.before:changes.jsonl", "old"), ("write.mid:changes.jsonl", "old"), ("write.after:changes.jsonl", "old"),
    ("write.mid:procedures.schema.json", "old"), ("write.mid:README.md", "old"),
    ("write.before:manifest.json", "old"), ("write.mid:manifest.json", "old"), ("write.after:manifest.json", "old"),
    ("publish.renamed", "orphan"), ("latest.link", "orphan"), ("latest.switched", "new"),
]
HALVED = {"procedures.schema.json"}  # (datasets are merged into files of their own, then moved in)
STREAMED = {"changes.jsonl"}  # written line by line: killed with exactly its first line on disk
REQUIRED = ({f"{n}.jsonl" for n in DATASETS} | {f"schemas/{n}.schema.json" for n in DATASETS}
            | {"changes.jsonl", "README.md"})


def copy_corpus(dst: Path, pages: list[str], edit: str | None = None) -> Path:
    for rel in pages:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (SAMPLE / rel).read_bytes()
        if rel == edit:
            data = data.replace(b"</p>", b" Revised after review.</p>", 3)
        target.write_bytes(data)
    return dst


def big_corpus(dst: Path, n: int = 300) -> Path:
    """n pages: the sample pages copied over and over, each copy with a small edit."""
    pages = sorted(p for p in SAMPLE.rglob("*") if p.is_file())
    for i in range(n):
        src = pages[i % len(pages)]
        data = src.read_bytes()
        if data.strip():
            data = data.replace(b"</p>", f" Copy {i}.</p>".encode(), 1) if b"</p>" in data else data + f"\nCopy {i}.\n".encode()
        target = dst / src.parent.name / f"{src.stem}-{i:03d}{src.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return dst


def start(raw: Path, out: Path, kill: str | None = None, workers: int = 0) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != faults.ENV}
    if kill:
        env[faults.ENV] = kill
    return subprocess.Popen([sys.executable, str(DRIVER), str(raw), str(out), str(workers)], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def build(raw: Path, out: Path, workers: int = 0) -> str:
    proc = start(raw, out, workers=workers)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    return stdout.strip()


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the build and its workers (its own process group), then wait until all are gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"processes of group {proc.pid} survived SIGKILL")


def assert_consistent(out: Path) -> Path:
    """`latest` is a complete, valid release, and so is every release in view (no half-written one)."""
    link = out / LATEST
    assert link.is_symlink(), "latest is missing"
    target = link.resolve()
    assert target.parent == (out / RELEASES).resolve() and not target.name.startswith("."), target
    assert verify_release(target) == [], target
    assert REQUIRED <= set(read_manifest(target)["files"]), "latest is incomplete"
    for release in release_dirs(out):
        assert verify_release(release) == [], f"half-written release in view: {release}"
    return target


def names(out: Path) -> set[str]:
    return {p.name for p in release_dirs(out)}


def gc(out: Path) -> str:
    """`ingest gc --keep 2` on out, as the CLI runs it; returns its output."""
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    result = CliRunner().invoke(app, ["gc", "--keep", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def leftovers(out: Path) -> list[Path]:
    """What killed builds leave behind: temporary release folders and `latest` links."""
    return [p for p in (out / RELEASES).iterdir() if p.name.startswith(".tmp-")] + list(out.glob(".tmp-latest-*"))


def assert_gc_cleans_up(out: Path) -> None:
    """gc removes the leftovers of killed builds (their pids are gone), never `latest`."""
    latest, left = assert_consistent(out), leftovers(out)
    output = gc(out)
    assert all(f"removed {p}" in output for p in left), output
    assert not [p for p in (out / RELEASES).iterdir() if p.name.startswith(".")]
    assert not list(out.glob(".tmp-*"))
    assert assert_consistent(out) == latest


@pytest.fixture(scope="module")
def v1_release(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(V1 pages, V2 pages, an output folder whose `latest` is the V1 release): each kill starts from a copy."""
    base = tmp_path_factory.mktemp("crash")
    v1 = copy_corpus(base / "raw-v1", V1)
    v2 = copy_corpus(base / "raw-v2", V2, edit=EDITED)
    out = base / "out-v1"
    first = build(v1, out)
    assert assert_consistent(out).name == first
    return v1, v2, out


@pytest.fixture(scope="module")
def v2_release(v1_release, tmp_path_factory) -> Path:
    """The V2 release built to the end over V1: the sizes that files killed mid-write are compared with."""
    _, v2, out_v1 = v1_release
    out = tmp_path_factory.mktemp("crash-v2") / "out"
    shutil.copytree(out_v1, out, symlinks=True)
    build(v2, out)
    complete = assert_consistent(out)
    assert (complete / "changes.jsonl").read_bytes(), "V2 differs from V1: changes expected"
    return complete


def _file(release: Path, name: str) -> Path:
    return release / ("schemas/" if name.endswith(".schema.json") else "") / name


@pytest.mark.slow
@pytest.mark.parametrize("point,outcome", KILLS, ids=[p.replace("#", "-") for p, _ in KILLS])
def test_build_killed_at(point, outcome, v1_release, v2_release, tmp_path):
    """One build SIGKILLed at `point`: `latest` stays valid, the next build succeeds, gc cleans up."""
    _, v2, out_v1 = v1_release
    out = tmp_path / "out"
    shutil.copytree(out_v1, out, symlinks=True)
    before, before_names = (out / LATEST).resolve(), names(out)
    proc = start(v2, out, kill=point)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, f"{point}: not killed (rc {proc.returncode}): {stderr}"
    now, new = assert_consistent(out), names(out) - before_names
    assert (now == before) == (outcome != "new")
    assert len(new) == (0 if outcome == "old" else 1), new
    if outcome == "new":
        assert {now.name} == new
    tmp = list((out / RELEASES).glob(f".tmp-*-{proc.pid}"))
    assert len(tmp) == (1 if point.startswith(("publish.begin", "write.")) else 0), tmp
    if point.startswith("write.mid:"):
        name = point.split(":", 1)[1]
        size, full = _file(tmp[0], name).stat().st_size, _file(v2_release, name).stat().st_size
        assert 0 < size < full, name
        if name in HALVED:
            assert size == full // 2, name  # killed with exactly the first half on disk
        if name in STREAMED:
            assert size == len(_file(v2_release, name).read_bytes().split(b"\n", 1)[0]) + 1, name
    if point == "latest.link":
        assert (out / f".tmp-latest-{proc.pid}").is_symlink()

    # The next build succeeds; its changes.jsonl is the diff against what `latest` was.
    previous = (out / LATEST).resolve()
    final = build(v2, out)
    latest = assert_consistent(out)
    assert latest.name == final
    assert read_manifest(latest)["previous_release"] == previous.name
    assert (latest / "changes.jsonl").read_bytes() == diff_releases(previous, latest).changes_jsonl()
    assert_gc_cleans_up(out)


@pytest.mark.slow
def test_builds_killed_at_random_moments_leave_latest_valid(tmp_path):
    """Random moments, real SIGKILL from outside, on a bigger corpus with worker processes."""
    out = tmp_path / "out"
    build(copy_corpus(tmp_path / "raw-v1", V1), out)
    big = big_corpus(tmp_path / "raw-big")
    started = time.monotonic()
    build(big, out, workers=2)
    duration = time.monotonic() - started
    assert_consistent(out)
    rng, killed = random.Random(SEED), 0
    for fraction in (0.1, 0.35, 0.6, 0.85):
        delay = duration * rng.uniform(fraction - 0.08, fraction + 0.08)
        for _ in range(4):  # a build that finished before the kill (timing varies): again, killed sooner
            before, before_names = (out / LATEST).resolve(), names(out)
            proc = start(big, out, workers=2)
            time.sleep(delay)
            kill_group(proc)
            now = assert_consistent(out)
            assert now == before or now.name in names(out) - before_names, f"seed {SEED}"
            if proc.returncode == -signal.SIGKILL:
                killed += 1
                break
            assert proc.returncode == 0, proc.stderr
            delay /= 2
    assert killed == 4, f"seed {SEED}"

    # The next build succeeds; its changes.jsonl is the diff against what `latest` was.
    final = build(tmp_path / "raw-v1", out)
    latest = assert_consistent(out)
    assert latest.name == final
    previous = resolve_release(out, "previous")
    assert previous.name == read_manifest(latest)["previous_release"]
    assert (latest / "changes.jsonl").read_bytes() == diff_releases(previous, latest).changes_jsonl()
    assert_gc_cleans_up(out)
    assert len(release_dirs(out)) == 2
    shutil.rmtree(tmp_path / "raw-big", ignore_errors=True)
