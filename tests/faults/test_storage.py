"""A full disk, a read-only output, and folders given the wrong way, through the real CLI on a real
small file system (tmpfs, else a loop-mounted ext4 image; skipped with the reason when neither mounts).

A full disk or a denied write stops the run (exit 4, one line, nothing published, no temporary folder
left, no retry), never a quarantine of every page as internal_error; bad --raw/--out exit 2."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.faults.conftest import (assert_latest_valid, build, error_line, fill, ingest_process, no_leftovers,
                                   records, small_filesystem)

pytestmark = pytest.mark.slow  # Prefect flow runs and mounts


@pytest.fixture
def small_out(good_build, tmp_path):
    """The good build's output folder on a real 8 MB file system of its own."""
    where = tmp_path / "small"
    with small_filesystem(where, 8):
        shutil.copytree(good_build[0], where / "out", symlinks=True)
        yield where / "out"


def test_a_full_disk_while_caching_stops_the_run(good_build, small_out, raw):
    filler = fill(small_out.parent)
    # another size cap: every page's cache key changes, so every result is written to the cache
    result = build(raw, small_out, "--max-page-bytes", "4000000")
    assert result.exit_code == 4, result.output
    line = error_line(result.output)
    assert line.startswith("error: the disk is full writing ") and "nothing published, `latest` kept" in line
    assert "internal_error" not in result.output
    assert_latest_valid(small_out, good_build[1])
    no_leftovers(small_out)
    filler.unlink()
    again = build(raw, small_out, "--max-page-bytes", "4000000")  # space again: the next run publishes
    assert again.exit_code == 0, again.output
    assert len(records(assert_latest_valid(small_out))) == 13


def test_a_full_disk_while_publishing_stops_the_run_and_leaves_no_temporary_folder(good_build, small_out, raw):
    (raw / "codes-example/knee-arthroscopy.html").unlink()  # a change: a new release is written
    filler = fill(small_out.parent)
    # --force: no extraction cache, so the first write is the first batch's parts (the cache's full disk: the
    # test above); a half-written part is removed (a resumed build redoes the batch)
    proc = ingest_process("build", "--raw", raw, "--out", small_out, "--workers", "0", "--force")
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr.startswith(f"error: the disk is full writing {small_out / '.staging'}"), proc.stderr
    assert not list(small_out.rglob(".tmp-*")), "a temporary file was left behind"
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert_latest_valid(small_out, good_build[1])
    no_leftovers(small_out)
    filler.unlink()
    assert build(raw, small_out).exit_code == 0
    assert len(records(assert_latest_valid(small_out))) == 12


def test_a_read_only_output_is_refused_before_anything_runs(good_build, small_out, raw):
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_out.parent)]).returncode == 0
    proc = ingest_process("build", "--raw", raw, "--out", small_out, "--force")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"error: --out {small_out} is not writable (Read-only file system); nothing published\n"
    assert_latest_valid(small_out, good_build[1])


def test_a_read_only_releases_folder_fails_once_without_retries_or_leftovers(good_build, small_out, raw):
    releases = small_out / "releases"
    (raw / "codes-example/knee-arthroscopy.html").unlink()
    assert subprocess.run(["mount", "--bind", str(releases), str(releases)]).returncode == 0
    try:
        assert subprocess.run(["mount", "-o", "remount,ro,bind", str(releases)]).returncode == 0
        proc = ingest_process("build", "--raw", raw, "--out", small_out, "--workers", "0", "--verbose")
    finally:
        subprocess.run(["umount", str(releases)])
    assert proc.returncode == 4, proc.stderr
    assert "error: the file system is read-only writing " in proc.stderr
    assert "Retry 1/" not in proc.stdout + proc.stderr  # a denied write is not retried (Prefect's log line)
    assert [p.name for p in releases.iterdir()] == [good_build[1]]  # no release folder per attempt
    assert_latest_valid(small_out, good_build[1])


@pytest.mark.parametrize("case", ["out inside raw", "raw inside out", "raw is a file", "raw missing"])
def test_raw_and_out_given_the_wrong_way_are_refused_in_one_line(case, raw, tmp_path):
    out = tmp_path / "out"
    raw_arg, out_arg, expected = {
        "out inside raw": (raw, raw / "normalized", f"error: --out {raw / 'normalized'} is inside --raw {raw}"),
        "raw inside out": (out / "raw", out, f"error: --raw {out / 'raw'} is inside --out {out}"),
        "raw is a file": (raw / "codes-example/knee-arthroscopy.html", out,
                          f"error: --raw {raw / 'codes-example/knee-arthroscopy.html'} is a file, not a folder of pages"),
        "raw missing": (tmp_path / "nowhere", out, f"error: raw folder not found: {tmp_path / 'nowhere'}"),
    }[case]
    if case == "raw inside out":
        shutil.copytree(raw, out / "raw")
    proc = ingest_process("build", "--raw", raw_arg, "--out", out_arg)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(expected) and proc.stderr.count("\n") == 1, proc.stderr
    assert not (raw / "normalized").exists()
