"""The Prefect flow `build` really runs (Prefect's test harness) on raw/ and on the real-world corpus."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ingest.page.acquire import discover_pages
from ingest.release.layout import verify_release
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


@pytest.mark.parametrize("args, cause", [
    (["--raw", "missing"], "raw folder not found"),
    (["--raw", str(RAW_SAMPLE), "--drift-margin", "0"], "--drift-margin: input should be greater than 0 (got 0.0)"),
    (["--raw", str(RAW_SAMPLE), "--dedup-threshold", "1.5"], "--dedup-threshold: input should be less than or equal to 1"),
    (["--raw", str(RAW_SAMPLE), "--batch-size", "0"], "--batch-size: input should be greater than or equal to 1"),
    (["--raw", str(RAW_SAMPLE), "--workers", "-1"], "--workers: input should be greater than or equal to 0"),
])
@pytest.mark.slow  # a real `python -m ingest.cli` process each
def test_cli_fails_fast_with_one_line_cause(tmp_path, args, cause):
    proc = subprocess.run([sys.executable, "-m", "ingest.cli", "build", *args, "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode != 0
    assert cause in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_failed_batch_is_quarantined_and_the_others_publish(prefect_harness, tmp_path, monkeypatch):
    import flows.build as build_module
    import ingest.assembly.run as run_module
    from ingest.page.cache import extract_with_cache

    def flaky(pages, *args, **kwargs):
        if any("health-example" in ref.rel_path for ref, _ in pages):
            raise OSError("disk went away")
        return extract_with_cache(pages, *args, **kwargs)

    monkeypatch.setattr(run_module, "extract_with_cache", flaky)  # the step the flow's extract task wraps
    task = build_module.extract_task.with_options(retries=1, retry_delay_seconds=0)
    monkeypatch.setattr(build_module, "extract_task", task)
    # failure_margin=1: 4 pages of 25 failing is over the 5% a build publishes by default (tests/faults)
    summary = build_module.build(raw=str(RAW_SAMPLE), out=str(tmp_path), workers=0, batch_size=4, use_cache=False,
                                 failure_margin=1.0)
    assert summary["published"]
    quarantine = [json.loads(line) for line in (tmp_path / "latest" / "quarantine.jsonl").read_text().splitlines()]
    failed = [q for q in quarantine if q["reason"] == "internal_error"]
    assert failed and all("disk went away" in q["detail"] for q in failed)
    assert {q["path"] for q in failed} >= {p for p in (q["path"] for q in quarantine) if "health-example" in p}
    assert summary["records"]["procedures"] >= 6  # the batches that did not fail are published
    _accounted(tmp_path / "latest", RAW_SAMPLE)


@pytest.mark.slow
def test_build_publishes_prefect_artifacts(prefect_harness, tmp_path):
    import httpx
    from prefect.settings import PREFECT_API_URL

    from flows.build import build

    build(raw=str(RAW_SAMPLE), out=str(tmp_path), workers=0)

    def read(key):  # plain HTTP: Prefect 3.8.8's client sends nulls this server version rejects (422)
        body = {"artifacts": {"key": {"any_": [key]}}, "flow_runs": {}, "task_runs": {}, "sort": "CREATED_DESC",
                "limit": 5}
        response = httpx.post(f"{PREFECT_API_URL.value()}/artifacts/filter", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    summary = read("ingest-build-summary")
    assert summary and "| procedures |" in summary[0]["data"]
    assert read("ingest-biggest-changes")  # the first release: every record is an addition
