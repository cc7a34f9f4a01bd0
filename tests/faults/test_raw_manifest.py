"""A garbled line in the raw store's manifest.jsonl (written by `ingest scrape`): a loud message naming the
file and line; the URL's pages are quarantined (`manifest_garbled`), never rebuilt from an older version;
a line whose URL cannot be read stops the build (exit 2)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest

from tests.conftest import RAW_SAMPLE
from tests.faults.conftest import assert_latest_valid, build, error_line, records

pytestmark = pytest.mark.slow  # Prefect flow runs (the session's harness)

URL = "https://codes.example/cpt/29881/"
KNEE = (RAW_SAMPLE / "sample/codes-example/knee-arthroscopy.html").read_bytes()


def _store(raw, body: bytes, fetched_at: str) -> dict:
    """Store a page version as the scraper does (content-addressed) and return its manifest line."""
    sha = hashlib.sha256(body).hexdigest()
    rel = f"pages/{sha[:2]}/{sha}.html"
    (raw / rel).parent.mkdir(parents=True, exist_ok=True)
    (raw / rel).write_bytes(body)
    return {"url": URL, "final_url": URL, "status": 200, "fetched_at": fetched_at, "sha256": sha, "size": len(body),
            "path": rel, "encoding_header": "utf-8", "event": "fetched", "mtime_ns": os.stat(raw / rel).st_mtime_ns}


@pytest.fixture
def store(tmp_path):
    """A raw store: the sample pages as plain files, and one scraped URL with two versions (old, new)."""
    raw = tmp_path / "store"
    shutil.copytree(RAW_SAMPLE / "sample", raw)
    (raw / "codes-example/knee-arthroscopy.html").unlink()  # the URL below serves it
    old = _store(raw, KNEE, "2026-01-01T00:00:00Z")
    new = _store(raw, KNEE.replace(b"smoothed at the same time.", b"smoothed at the same time (version 2).", 1),
                 "2026-02-01T00:00:00Z")
    lines = [json.dumps(old).encode(), json.dumps(new).encode()]
    (raw / "manifest.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return raw, old, new


def _knee(release):
    return next((json.loads(line) for line in records(release) if b'"entity":"cpt:29881"' in line), None)


def test_a_garbled_line_quarantines_its_url_and_never_builds_the_old_version(store, tmp_path, prefect_harness):
    raw, old, new = store
    out = tmp_path / "out"
    assert build(raw, out).exit_code == 0
    assert "(version 2)" in _knee(latest := assert_latest_valid(out))["summary"]
    manifest = raw / "manifest.jsonl"
    first, second = manifest.read_bytes().splitlines()
    manifest.write_bytes(first + b"\n" + second[:-40] + b"\x00\x17garbage\n")  # the newest line garbled

    result = build(raw, out)
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if line.startswith("warning:"))
    assert warning.startswith(f"warning: {manifest} line 2 is garbled (") and URL in warning
    assert "quarantined as manifest_garbled" in warning
    release = assert_latest_valid(out)
    assert release.name != latest.name and _knee(release) is None  # no record from the old version
    garbled = {q["path"]: q for q in map(json.loads, records(release, "quarantine")) if q["reason"] == "manifest_garbled"}
    assert set(garbled) == {old["path"], new["path"]}
    assert all(f"{manifest} line 2 is garbled" in q["detail"] for q in garbled.values())

    manifest.write_bytes(first + b"\n" + second + b"\n")  # repaired: the new version is current again
    repaired = build(raw, out)
    assert repaired.exit_code == 0 and "warning" not in repaired.output
    assert "(version 2)" in _knee(assert_latest_valid(out))["summary"]


def test_a_garbled_line_whose_url_cannot_be_read_stops_the_build(store, tmp_path, prefect_harness):
    raw, _, _ = store
    out = tmp_path / "out"
    assert build(raw, out).exit_code == 0
    good = assert_latest_valid(out)
    manifest = raw / "manifest.jsonl"
    first, second = manifest.read_bytes().splitlines()
    manifest.write_bytes(first + b"\n" + os.urandom(60).replace(b"\n", b"") + b"\n" + second + b"\n")
    result = build(raw, out)
    assert result.exit_code == 2
    line = error_line(result.output)
    assert line.startswith(f"error: {manifest} line 2 is garbled (") and "names no readable URL" in line
    assert "repair or delete that line" in line
    assert_latest_valid(out, good.name)
