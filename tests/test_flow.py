"""The Prefect flow `build` really runs (Prefect's test harness) on raw/ and on the real-world corpus."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ingest.acquire import discover_pages
from ingest.publish import verify_release
from tests.conftest import RAW_SAMPLE


def _accounted(release, raw_dir) -> None:
    pages = {ref.rel_path for ref in discover_pages(raw_dir)}
    seen: list[str] = []
    for name in ("procedures.jsonl", "terms.jsonl", "billing.jsonl"):
        path = release / name
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                seen.extend(s["path"] for s in json.loads(line)["sources"])
    seen.extend(json.loads(line)["path"] for line in (release / "quarantine.jsonl").read_text("utf-8").splitlines())
    assert sorted(seen) == sorted(pages), "every page must be a record source or quarantined, exactly once"


@pytest.mark.slow
def test_build_flow_on_realworld_corpus(prefect_harness, realworld_dir, tmp_path):
    from flows.build import build

    summary = build(raw=str(realworld_dir), out=str(tmp_path), workers=2)
    release = tmp_path / "latest"
    assert summary["published"] and verify_release(release) == []
    for dataset in ("procedures", "terms", "billing"):  # none of these pages is ours to extract
        assert summary["records"][dataset] == 0, dataset
        assert (release / f"{dataset}.jsonl").read_bytes() == b""
    assert summary["pages"] == sum(1 for _ in discover_pages(realworld_dir)) >= 290
    assert "internal_error" not in summary["quarantined"] and "worker_crash" not in summary["quarantined"]
    _accounted(release, realworld_dir)


@pytest.mark.slow
def test_build_flow_on_sample_raw(prefect_harness, tmp_path):
    from flows.build import build

    summary = build(raw=str(RAW_SAMPLE), out=str(tmp_path), workers=0)
    release = tmp_path / "latest"
    assert verify_release(release) == []
    assert summary["records"]["procedures"] >= 10
    _accounted(release, RAW_SAMPLE)
    again = build(raw=str(RAW_SAMPLE), out=str(tmp_path), workers=0)
    assert not again["published"] and again["release_id"] == summary["release_id"]


def test_cli_fails_fast_with_one_line_cause(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ingest.cli", "build", "--raw", str(tmp_path / "missing"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "raw folder not found" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
