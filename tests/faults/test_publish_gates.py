"""Publish gates through the real CLI: an empty --raw, a release with 0 records, a shrink, failed pages.

Each refusal: exit 3 (a gate) or 2 (the input), one `error:` line naming the numbers, what was kept and
how to override; `latest` still the last good release, valid; no temporary folder left."""

from __future__ import annotations


import re

import pytest

from tests.faults.conftest import (assert_latest_valid, build, error_line, ingest_process, manifest_counts,
                                   no_leftovers, records)

pytestmark = pytest.mark.slow  # Prefect flow runs (the session's harness)


def test_an_empty_raw_folder_is_an_error_not_an_empty_release(good_build, out, tmp_path):
    empty = tmp_path / "emptyraw"
    empty.mkdir()
    result = build(empty, out, "--strict")
    assert result.exit_code == 2
    line = error_line(result.output)
    assert f"--raw {empty} holds no pages" in line and "is the volume mounted?" in line
    assert f"`latest` kept ({good_build[1]})" in line
    assert_latest_valid(out, good_build[1])
    assert len(list((out / "releases").iterdir())) == 1


def test_an_empty_raw_folder_fails_as_a_real_process_in_one_line(good_build, out, tmp_path):
    empty = tmp_path / "unmounted"
    empty.mkdir()
    proc = ingest_process("build", "--raw", empty, "--out", out)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: --raw {empty} holds no pages")
    assert_latest_valid(out, good_build[1])


def test_zero_records_over_a_non_empty_latest_are_refused(good_build, out, raw):
    # every page over the size cap: each one quarantined (too_large), no record at all
    result = build(raw, out, "--max-page-bytes", "10")
    assert result.exit_code == 3, result.output
    line = error_line(result.output)
    assert f"refusing to publish a release with 0 records over {good_build[1]} (17 records)" in line
    assert f"`latest` kept ({good_build[1]})" in line and "--shrink-margin 1" in line
    assert_latest_valid(out, good_build[1])
    no_leftovers(out)
    # the documented override publishes it
    forced = build(raw, out, "--max-page-bytes", "10", "--shrink-margin", "1")
    assert forced.exit_code == 0, forced.output
    assert manifest_counts(assert_latest_valid(out))["procedures"] == 0


def test_a_shrink_from_removed_pages_needs_allow_shrink(good_build, out, raw):
    removed = sorted(raw.glob("health-example/*.html")) + sorted(raw.glob("clinic-example/*.html"))
    for page in removed:
        page.unlink()
    result = build(raw, out)
    assert result.exit_code == 3, result.output
    line = error_line(result.output)
    assert "refusing to publish" in line and "records against 17 in" in line and "over the 20% shrink margin" in line
    assert "absent from --raw" in line and "--allow-shrink" in line
    assert_latest_valid(out, good_build[1])
    allowed = build(raw, out, "--allow-shrink")
    assert allowed.exit_code == 0, allowed.output
    latest = assert_latest_valid(out)
    assert latest.name != good_build[1]
    removed_ids = [line for line in (latest / "changes.jsonl").read_text().splitlines() if '"removed"' in line]
    assert removed_ids  # the records of the removed pages are listed as removed, nothing else lost


def test_allow_shrink_does_not_cover_pages_that_are_still_there(good_build, out, raw):
    # pages present but giving no record (all over the size cap): --allow-shrink is not enough
    result = build(raw, out, "--max-page-bytes", "10", "--allow-shrink")
    assert result.exit_code == 3
    assert "17 of the lost records' pages are still in --raw" in error_line(result.output)
    assert_latest_valid(out, good_build[1])


def test_more_failed_pages_than_the_margin_are_refused(good_build, out, raw):
    # a time limit no page can meet: every page ends as `timeout`, a failure of this run (--force: the
    # time limit is no input of the release, so the same inputs would otherwise be "unchanged")
    result = build(raw, out, "--page-time-limit", "0.000001", "--force")
    assert result.exit_code == 3, result.output
    line = error_line(result.output)
    assert re.search(r"refusing to publish: \d+ of 25 pages \(\d+%\) failed in this run \(timeout \d+; e\.g\. "
                     r"'extraction exceeded", line), line
    assert "over the 5% failure margin" in line and f"`latest` kept ({good_build[1]})" in line
    assert "--failure-margin 1" in line
    assert_latest_valid(out, good_build[1])
    no_leftovers(out)


def test_the_first_build_has_gates_too(raw, tmp_path, prefect_harness):
    out = tmp_path / "fresh"
    result = build(raw, out, "--page-time-limit", "0.000001")
    assert result.exit_code == 3
    assert "nothing published (no valid release yet)" in error_line(result.output)
    assert not (out / "latest").exists()


def test_a_small_shrink_within_the_margin_publishes(good_build, out, raw):
    (raw / "codes-example" / "knee-arthroscopy.html").unlink()  # 1 record of 17: -6%
    result = build(raw, out)
    assert result.exit_code == 0, result.output
    latest = assert_latest_valid(out)
    assert len(records(latest)) == 12
