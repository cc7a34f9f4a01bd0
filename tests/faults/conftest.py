"""The fault suite's parts: the real CLI (in-process with CliRunner, or a real `ingest` process), real
files, a real small file system that fills up (tmpfs, else a loop-mounted image), and checks that
`latest` is valid and is the last good release after each fault."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.release.layout import latest_release, read_manifest, verify_release
from tests.conftest import RAW_SAMPLE

WIDE = {"COLUMNS": "300"}  # one message is one line on the terminal too


def ingest(*args) -> object:
    """`ingest ARGS` through the real command line, in this process (Prefect: the session's harness)."""
    return CliRunner().invoke(app, [str(a) for a in args], env=WIDE)


def ingest_process(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`ingest ARGS` as a real process (its own Prefect start-up): exit code, stdout, stderr."""
    env = {**os.environ, **WIDE, "PREFECT_HOME": os.environ.get("PREFECT_HOME", "/tmp/prefect-faults")}
    env.pop("PREFECT_LOGGING_LEVEL", None)  # the session's harness set it; the command decides (--verbose)
    return subprocess.run([sys.executable, "-m", "ingest.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


def build(raw: Path, out: Path, *flags) -> object:
    return ingest("build", "--raw", raw, "--out", out, "--workers", "0", *flags)


def error_line(output: str) -> str:
    """The one `error:` line of an output (fails when there is none or more than one). In-process runs
    may show Prefect's own logging noise (its handler keeps an earlier CliRunner's closed stream); the
    real-process tests check that stderr is that one line and nothing else."""
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


def assert_latest_valid(out: Path, release_id: str | None = None) -> Path:
    """`latest` points at a release that verifies (and is release_id when given); returns it."""
    latest = latest_release(out)
    assert latest is not None and latest.is_dir(), f"no latest in {out}"
    assert verify_release(latest) == [], verify_release(latest)
    if release_id is not None:
        assert latest.name == release_id
    return latest


def no_leftovers(out: Path) -> None:
    """No temporary release folder nor temporary `latest` link is left in out."""
    left = [p.name for p in (out / "releases").iterdir() if p.name.startswith(".tmp")] if (out / "releases").is_dir() else []
    left += [p.name for p in out.iterdir() if p.name.startswith(".tmp")] if out.is_dir() else []
    assert left == [], left


def records(release: Path, dataset: str = "procedures") -> list[bytes]:
    return (release / f"{dataset}.jsonl").read_bytes().splitlines()


@pytest.fixture
def raw(tmp_path) -> Path:
    """A copy of the sample pages (25 pages: 13 procedures, 2 terms, 2 billing, 8 quarantined)."""
    dest = tmp_path / "raw"
    shutil.copytree(RAW_SAMPLE / "sample", dest)
    return dest


@pytest.fixture(scope="module")
def good_build(prefect_harness, tmp_path_factory) -> tuple[Path, str]:
    """One good build of the sample pages, built once per module: (output folder, release id)."""
    root = tmp_path_factory.mktemp("good")
    shutil.copytree(RAW_SAMPLE / "sample", root / "raw")
    result = build(root / "raw", root / "out")
    assert result.exit_code == 0, result.output
    yield root / "out", latest_release(root / "out").name
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def out(good_build, tmp_path) -> Path:
    """A copy of the good build's output folder (its `latest` link, releases and extraction cache)."""
    dest = tmp_path / "out"
    shutil.copytree(good_build[0], dest, symlinks=True)
    return dest


def manifest_counts(release: Path) -> dict:
    return read_manifest(release)["counts"]


# --------------------------------------------------------------------------- a real small file system


def _run(*cmd) -> bool:
    return subprocess.run(cmd, capture_output=True).returncode == 0


@contextlib.contextmanager
def small_filesystem(where: Path, megabytes: int):
    """A real file system of `megabytes` mounted at `where`: tmpfs when this machine allows it, else an
    ext4 image on a loop device; skips (saying why) when neither can be mounted."""
    where.mkdir(parents=True, exist_ok=True)
    image = None
    if _run("mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)):
        kind = "tmpfs"
    else:
        image = where.parent / f".fs-{uuid.uuid4().hex}.img"
        ok = (_run("truncate", "-s", f"{megabytes}M", str(image)) and _run("mkfs.ext4", "-q", "-F", str(image))
              and _run("mount", "-o", "loop", str(image), str(where)))
        if not ok:
            image.unlink(missing_ok=True)
            where.rmdir()
            pytest.skip("cannot mount a small file system here (tmpfs and a loop-mounted ext4 image both refused: "
                        "not root, or no loop devices); the full-disk cases need a real one")
        kind = "ext4 image"
    try:
        yield kind
    finally:
        if not _run("umount", str(where)):
            _run("umount", "-l", str(where))
        if image is not None:
            image.unlink(missing_ok=True)
        shutil.rmtree(where, ignore_errors=True)


def fill(where: Path) -> Path:
    """Fill the file system holding `where` to the last byte; returns the filler file (delete it to free)."""
    filler = where / "filler.bin"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 16, 4096, 512, 1):  # big blocks, then the last partial ones
            try:
                while fh.write(b"\0" * size):
                    pass
            except OSError:
                pass
    return filler
