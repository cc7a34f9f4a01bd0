"""Self-repair through the real CLI: corrupt extraction cache entries, a corrupt or incomplete `latest`, and what
`releases --verify`, `diff` and `gc` do about a corrupt release."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ingest.release.layout import release_dirs
from tests.faults.conftest import (assert_latest_valid, build, error_line, ingest, ingest_process, no_leftovers,
                                   records)

pytestmark = pytest.mark.slow  # Prefect flow runs (the session's harness)

def _remove_page(raw):
    """A changed input: one procedure page fewer (1 record of 17, within the shrink margin)."""
    (raw / "codes-example/knee-arthroscopy.html").unlink()


def test_corrupt_extraction_cache_entries_are_set_aside_and_re_extracted(good_build, out, raw):
    cache = out / ".cache" / "v2"
    entries = sorted(p for p in cache.glob("??/*"))
    assert len(entries) >= 20  # one per page (a page that timed out under load is not cached)
    damaged = entries[:3]
    damaged[0].write_bytes(os.urandom(5000))
    os.truncate(damaged[1], damaged[1].stat().st_size // 2)  # cut
    damaged[2].write_bytes(b"")  # a power cut before the data reached the disk
    legacy = out / ".cache" / "extract.sqlite"  # the layout before: ignored (not read, not repaired)
    legacy.write_bytes(os.urandom(100_000))
    _remove_page(raw)
    result = build(raw, out)
    assert result.exit_code == 0, result.output
    assert f"warning: 3 entries of the extraction cache {cache} corrupt (e.g. " in result.output
    assert f"moved aside to {cache / 'corrupt'} (delete them when you like)" in result.output
    assert "extract.sqlite" not in result.output
    latest = assert_latest_valid(out)
    assert latest.name != good_build[1]
    quarantine = [json.loads(line) for line in records(latest, "quarantine")]
    assert not [q for q in quarantine if q["reason"] == "internal_error"]
    assert len(records(latest)) == len(records(out / "releases" / good_build[1])) - 1  # only the removed page
    assert sorted(p.name.split(".")[0] for p in (cache / "corrupt").iterdir()) == sorted(p.name for p in damaged)
    assert all(p.stat().st_size > 100 for p in damaged)  # extracted again and written whole
    again = build(raw, out)  # the repaired entries work: unchanged
    assert again.exit_code == 0 and "unchanged" in again.output and "warning" not in again.output


def test_a_cut_latest_is_rebuilt_not_called_unchanged(good_build, out, raw):
    (out / "latest" / "procedures.jsonl").write_bytes(b"")  # a cut file (the sizes no longer match)
    os.truncate(out / "latest" / "terms.jsonl", 20)
    result = build(raw, out)
    assert result.exit_code == 0, result.output
    assert "unchanged" not in result.output and f"`latest` was corrupt ({good_build[1]}:" in result.output
    latest = assert_latest_valid(out)
    assert latest.name != good_build[1] and len(records(latest)) == 13
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["repairs"].startswith(f"{good_build[1]}: procedures.jsonl: checksum mismatch")
    assert manifest["previous_release"] is None  # no valid release to compare with: changes against nothing


def test_a_corrupt_latest_is_rebuilt_with_changes_against_the_last_valid_release(good_build, out, raw):
    _remove_page(raw)
    assert build(raw, out).exit_code == 0  # release 2: one record fewer
    second = assert_latest_valid(out)
    os.truncate(second / "procedures.jsonl", 20_000)  # the file cut mid-line
    # releases --verify: the table, then one error line and exit 1
    listing = ingest("releases", "--out", out)
    assert listing.exit_code == 1
    line = error_line(listing.output)
    assert f"1 of 2 release(s) corrupt: {second.name} (latest): procedures.jsonl: checksum mismatch" in line
    # diff refuses rather than list fake removals
    diff = ingest("diff", "previous", "latest", "--out", out)
    assert diff.exit_code == 1 and "removed" not in diff.output
    assert f"release {second.name} (latest) is corrupt" in error_line(diff.output)
    # gc --keep 1 keeps `latest` and the newest valid release
    gc = ingest("gc", "--keep", "1", "--out", out)
    assert gc.exit_code == 0 and {d.name for d in release_dirs(out)} == {good_build[1], second.name}
    # the build rebuilds it; its changes are against the last valid release: only the removed page's record
    result = build(raw, out)
    assert result.exit_code == 0, result.output
    latest = assert_latest_valid(out)
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["previous_release"] == good_build[1] and manifest["repairs"].startswith(second.name)
    changes = [json.loads(line) for line in (latest / "changes.jsonl").read_text().splitlines()]
    procedures = [(c["change"], c["id"]) for c in changes if c["dataset"] == "procedures"]
    good = (out / "releases" / good_build[1] / "procedures.jsonl").read_text().splitlines()
    knee_id = next(r["id"] for r in map(json.loads, good) if r["code"] == "29881")  # the removed page's record
    assert procedures == [("removed", knee_id)]
    assert ingest("releases", "--out", out).exit_code == 1  # the cut release is still there, still reported
    assert ingest("gc", "--keep", "1", "--out", out).exit_code == 0
    assert [d.name for d in release_dirs(out)] == [latest.name]
    assert ingest("releases", "--out", out).exit_code == 0
    no_leftovers(out)


def test_a_missing_manifest_in_latest_is_repaired_without_a_traceback(good_build, out, raw):
    (out / "latest" / "manifest.json").unlink()
    proc = ingest_process("build", "--raw", raw, "--out", out, "--workers", "0")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and "(published)" in proc.stdout
    assert "manifest.json: missing" in " ".join(proc.stdout.split())
    latest = assert_latest_valid(out)
    assert latest.name != good_build[1] and len(records(latest)) == 13
    listing = ingest("releases", "--out", out)
    assert listing.exit_code == 1 and "manifest.json: missing (an incomplete release)" in error_line(listing.output)


def test_a_latest_pointing_at_a_deleted_release_is_replaced(good_build, out, raw):
    _remove_page(raw)
    assert build(raw, out).exit_code == 0
    second = assert_latest_valid(out)
    shutil.rmtree(second)  # e.g. removed by hand, or by a gc that raced a publish
    result = build(raw, out)
    assert result.exit_code == 0, result.output
    latest = assert_latest_valid(out)
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["previous_release"] == good_build[1] and "which is missing" in manifest["repairs"]
