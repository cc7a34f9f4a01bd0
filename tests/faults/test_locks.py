"""One build (or gc) at a time per output folder: the second waits (--wait) or exits 75 with one line.

The lock is a real flock held by a real process: a holder that is SIGKILLed leaves no stale lock.
Two real `ingest build` processes into one `--out`, and `ingest gc` during a build, end with
`latest` valid and pointing at a release that exists (issue 21, case 4).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ingest.assembly.run import run_build
from ingest.release.layout import latest_release, release_dirs, verify_release
from ingest.release.lock import EXIT_LOCKED, LOCK_FILE, OutputLocked, out_lock
from ingest.release.retention import gc_releases
from ingest.settings import BuildSettings
from tests.faults.running_build import INGEST, RunningBuild, last_line, synth_corpus, tmp_leftovers

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "raw" / "sample"
HOLDER = """
import sys, time
from pathlib import Path
from ingest.release.lock import out_lock
with out_lock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def holder(tmp_path):
    """Start a process holding tmp_path/out's lock (as `command`); yields (process, out)."""
    procs = []

    def start(command: str = "build") -> tuple[subprocess.Popen, Path]:
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), command], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "held"
        procs.append(proc)
        return proc, out

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def _ingest(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(INGEST), *args], capture_output=True, text=True, timeout=timeout)


def _sample_release(out: Path) -> Path:
    run_build(SAMPLE, out, BuildSettings(workers=0))
    return latest_release(out)


def test_gc_refuses_while_another_process_holds_the_lock_and_names_it(holder, tmp_path):
    proc, out = holder("build")
    done = _ingest("gc", "--keep", "1", "--out", str(out))
    assert done.returncode == EXIT_LOCKED == 75
    line = last_line(done.stderr)
    assert line.startswith(f"error: {out} is locked by another ingest process (pid {proc.pid}: ingest build, since ")
    assert line.endswith("nothing done (--wait waits for it)")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_build_refuses_at_once_while_the_lock_is_held(holder, tmp_path):
    proc, out = holder("gc")
    done = _ingest("build", "--raw", str(SAMPLE), "--out", str(out))
    assert done.returncode == 75, done.stderr
    assert f"(pid {proc.pid}: ingest gc, since " in last_line(done.stderr)
    assert latest_release(out) is None and release_dirs(out) == []


def test_a_sigkilled_holder_leaves_no_stale_lock(holder, tmp_path):
    proc, out = holder("build")
    assert _ingest("gc", "--keep", "1", "--out", str(out)).returncode == 75
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / LOCK_FILE).exists()  # the file stays; the kernel dropped the flock with the process
    done = _ingest("gc", "--keep", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr


def test_gc_wait_waits_for_the_holder_saying_so_then_never_deletes_latest(holder, tmp_path):
    out = tmp_path / "out"
    latest = _sample_release(out)
    proc, _ = holder("build")
    gc = subprocess.Popen([str(INGEST), "gc", "--keep", "1", "--wait", "--out", str(out)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waiting = gc.stderr.readline()
    assert waiting.startswith(f"waiting: {out} is locked by another ingest process (pid {proc.pid}: ingest build")
    assert gc.poll() is None  # still waiting
    proc.kill()
    stdout, stderr = gc.communicate(timeout=120)
    assert gc.returncode == 0, stderr
    assert "lock on" in stderr and "taken after" in stderr
    assert latest_release(out) == latest and verify_release(latest) == []


def test_the_library_build_takes_the_lock_too(holder, tmp_path):
    _, out = holder("gc")
    with pytest.raises(OutputLocked, match="ingest gc"):
        run_build(SAMPLE, out, BuildSettings(workers=0))
    with pytest.raises(OutputLocked):
        gc_releases(out, keep=1)
    assert gc_releases(out, keep=1, dry_run=True) == []  # a dry run removes nothing and takes no lock


def test_the_lock_is_reentrant_within_a_process_and_exclusive_across_processes(tmp_path):
    out = tmp_path / "out"
    probe = [sys.executable, "-c", "import sys; from pathlib import Path; from ingest.release.lock import out_lock\n"
             "with out_lock(Path(sys.argv[1]), 'gc'): pass", str(out)]
    with out_lock(out, "build"):
        with out_lock(out, "build"):  # the CLI holds it around the flow, which takes it again
            pass
        assert subprocess.run(probe, capture_output=True).returncode != 0  # still held after the inner exit
        inner = []
        thread = threading.Thread(target=lambda: inner.append(_enter(out)))  # another thread of this process
        thread.start()
        thread.join()
        assert inner == [True]
    assert subprocess.run(probe, capture_output=True).returncode == 0  # released


def _enter(out: Path) -> bool:
    with out_lock(out, "build"):
        return True


@pytest.mark.slow
def test_two_builds_into_one_folder_the_second_refuses_or_waits(tmp_path):
    corpus = synth_corpus(tmp_path / "synth", 1500)
    out = tmp_path / "out"
    first = RunningBuild(["build", "--raw", str(corpus), "--out", str(out), "--workers", "2"], tmp_path)
    first.wait_for_extraction()

    refused = _ingest("build", "--raw", str(SAMPLE), "--out", str(out))
    assert refused.returncode == 75, refused.stderr
    assert f"(pid {first.proc.pid}: ingest build, since " in last_line(refused.stderr)

    gc = _ingest("gc", "--keep", "1", "--out", str(out))
    assert gc.returncode == 75, gc.stderr

    # --allow-shrink: the sample has a few records against the synthetic corpus's one per page (its pages are absent)
    second = RunningBuild(["build", "--raw", str(SAMPLE), "--out", str(out), "--wait", "--workers", "0",
                           "--allow-shrink"], tmp_path)
    assert first.finish() == 0, first.stderr()
    assert second.finish() == 0, second.stderr()
    assert second.stderr().startswith(f"waiting: {out} is locked by another ingest process (pid {first.proc.pid}")
    assert "taken after" in second.stderr()

    releases = release_dirs(out)
    assert len(releases) == 2 and latest_release(out) == releases[-1]  # the waiting build published last
    assert all(verify_release(r) == [] for r in releases)
    assert first.leftovers() == [] and second.leftovers() == [] and tmp_leftovers(out) == []


@pytest.mark.slow
def test_gc_during_a_build_waits_and_latest_stays_valid(tmp_path):
    corpus = synth_corpus(tmp_path / "synth", 1500)
    out = tmp_path / "out"
    old = _sample_release(out)
    build = RunningBuild(["build", "--raw", str(corpus), "--out", str(out), "--workers", "2"], tmp_path)
    build.wait_for_extraction()
    gc = RunningBuild(["gc", "--keep", "1", "--wait", "--out", str(out)], tmp_path)
    assert build.finish() == 0, build.stderr()
    assert gc.finish() == 0, gc.stderr()
    new = latest_release(out)
    assert new != old and new.is_dir() and verify_release(new) == []
    assert release_dirs(out) == [new]  # gc ran after the switch: it removed the old release, never the new one
    assert f"removed {old}" in gc.stdout()
    assert os.readlink(out / "latest") == f"releases/{new.name}"
