"""Ctrl-C and SIGTERM stop a build cleanly: exit 130/143, one line, nothing published, nothing left running.

Real `ingest build` processes in their own process group (as a shell runs a job), a corpus big
enough to be mid-extraction when the signal comes (benchmarks/synth.py), real signals: to the whole
group (Ctrl-C in a terminal, or `kill -TERM -<pgid>` / a service manager stopping the job) and to
the main process alone (`kill <pid>`). After each: `latest` is the release it was before and
verifies, no `.tmp` folder is left, and no process the build started (extraction workers, the
forkserver, Prefect's temporary API server) outlives it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import interrupts
from ingest.assembly.run import run_build
from ingest.release.layout import LATEST, latest_release, verify_release
from ingest.release.publish import publish_release
from ingest.settings import BuildSettings
from tests.faults.running_build import INGEST, RunningBuild, last_line, synth_corpus, tmp_leftovers

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "raw" / "sample"
PAGES = 2500  # ~10 s of extraction on two workers of this 2-core machine: the signal lands in the middle


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return synth_corpus(tmp_path_factory.mktemp("interrupts") / "synth", PAGES)


@pytest.fixture
def out_with_latest(tmp_path) -> tuple[Path, Path]:
    """An output folder whose `latest` is a release of the sample pages (built without Prefect)."""
    out = tmp_path / "out"
    pages = tmp_path / "sample"
    shutil.copytree(SAMPLE / "health-example", pages / "health-example")
    run_build(pages, out, BuildSettings(workers=0))
    return out, latest_release(out)


def _extracting(corpus: Path, out: Path, workdir: Path) -> RunningBuild:
    """`ingest build` of the corpus into out, once its extraction workers run."""
    build = RunningBuild(["build", "--raw", str(corpus), "--out", str(out), "--workers", "2"], workdir)
    build.wait_for_extraction()
    return build


def _assert_untouched(out: Path, before: Path) -> None:
    assert os.readlink(out / LATEST) == f"releases/{before.name}"
    assert verify_release(latest_release(out)) == []
    assert [p.name for p in (out / "releases").iterdir() if not p.name.startswith(".")] == [before.name]
    assert tmp_leftovers(out) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum, to", [(signal.SIGINT, "group"), (signal.SIGINT, "main"),
                                        (signal.SIGTERM, "group"), (signal.SIGTERM, "main")])
def test_a_signal_mid_extraction_stops_the_build_publishing_nothing(corpus, out_with_latest, tmp_path, signum, to):
    out, before = out_with_latest
    build = _extracting(corpus, out, tmp_path)
    time.sleep(0.5)
    (build.signal_group if to == "group" else build.signal_main)(signum)
    code = build.finish()
    stderr = build.stderr()

    assert code == 128 + signum, stderr
    line = last_line(stderr)
    assert line.startswith(f"interrupted by {signal.Signals(signum).name} ("), stderr
    at_safe_point = f"interrupted by {signal.Signals(signum).name} (extract): nothing published; " \
                    f"latest is still {before.name}"  # the flow run's end recorded by the server
    if (signum, to) == (signal.SIGTERM, "group"):
        # Prefect's server got the signal too. Which comes first is a race: the server going away (then
        # nothing is left to wait for) or the flow thread reaching its safe point while the server still answers.
        # CI saw both; either way the build ends in one of these two lines, and nothing is published.
        at_once = ("interrupted by SIGTERM (Prefect's temporary server stopped too): stopped at once, "
                   "nothing published; `ingest gc --keep N` removes what the build left")
        assert line in (at_once, at_safe_point), stderr
    else:  # the server got no signal: the build always stops at a safe point
        assert line == at_safe_point, stderr
    assert "Traceback" not in stderr and "ERROR" not in stderr, stderr  # one line, no log noise
    assert "ingest build" not in build.stdout()  # no summary table: nothing was built
    _assert_untouched(out, before)
    assert build.leftovers() == []


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once_leaving_only_what_gc_removes(corpus, out_with_latest, tmp_path):
    out, before = out_with_latest
    build = _extracting(corpus, out, tmp_path)
    build.signal_group(signal.SIGINT)
    time.sleep(0.2)
    build.signal_group(signal.SIGINT)
    code = build.finish()

    assert code == 130, build.stderr()
    assert "stopped at once, nothing published" in last_line(build.stderr())
    assert build.leftovers() == []
    subprocess.run([str(INGEST), "gc", "--keep", "5", "--out", str(out)], check=True, capture_output=True)
    _assert_untouched(out, before)


@pytest.mark.slow
def test_an_interrupted_build_leaves_the_next_one_free_to_publish(corpus, out_with_latest, tmp_path):
    """The lock died with the interrupted build, and the extraction cache it filled is intact."""
    out, before = out_with_latest
    build = _extracting(corpus, out, tmp_path)
    build.signal_main(signal.SIGTERM)
    assert build.finish() == 143
    summary = run_build(corpus, out, BuildSettings(workers=2))
    assert summary.published and summary.pages == PAGES
    assert verify_release(latest_release(out)) == [] and latest_release(out) != before


def test_a_signal_during_publish_throws_the_written_release_away(tmp_path):
    """The last safe point is just before the release folder is renamed into place: a signal that
    came while the files were being written removes them, and `latest` does not move."""
    out = tmp_path / "out"
    first = publish_release(out, {"procedures": [{"id": "procedure:title:a"}]}, [], [])
    with interrupts.handling():
        os.kill(os.getpid(), signal.SIGINT)  # delivered at once to this (the main) thread
        assert interrupts.requested() == signal.SIGINT
        with pytest.raises(interrupts.Interrupted) as stopped:
            publish_release(out, {"procedures": [{"id": "procedure:title:b"}]}, [], [])
    assert stopped.value.exit_code == 130 and stopped.value.point == "publish"
    assert latest_release(out) == first.path and verify_release(first.path) == []
    assert tmp_leftovers(out) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored
    assert interrupts.requested() is None  # and the request forgotten: later builds in this process run


def test_a_signal_while_latest_is_switched_waits_for_the_switch(tmp_path):
    """Inside committing() a second signal is held back until the renames are done, then exits at once."""
    script = (
        "import os, signal, time\n"
        "from ingest import interrupts\n"
        "with interrupts.handling():\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    with interrupts.committing():\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        time.sleep(0.3)\n"
        "        print('switched', flush=True)\n"
        "    print('not reached', flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 143
    assert done.stdout.split() == ["switched"]
    assert "the release was published just before" in done.stderr
