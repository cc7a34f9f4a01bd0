"""Resume: a crawl SIGKILLed half-way continues without refetching what it already stored."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.scrape.config import load_config
from ingest.scrape.crawl import scrape

from .scrape_site import UA, Site, fast_config, procedure_page

PAGES = 30


def _build(site: Site) -> None:
    site.page("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    site.page("/p/", procedure_page("IDX", "All procedures", [f"{i}" for i in range(PAGES)]))
    for i in range(PAGES):
        site.page(f"/p/{i}", procedure_page(f"P{i:03d}", f"Procedure number {i}", [f"{(i + 1) % PAGES}"]))


def _manifest(raw: Path) -> list[dict]:
    path = raw / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _all_urls(site: Site) -> set[str]:
    return {f"{site.base}/p/"} | {f"{site.base}/p/{i}" for i in range(PAGES)}


@pytest.mark.slow
def test_sigkill_then_resume(site: Site, tmp_path: Path) -> None:
    _build(site)
    raw = tmp_path / "raw"
    toml = tmp_path / "scrape.toml"
    toml.write_text(
        f'start = ["{site.base}/p/"]\nraw = "{raw.as_posix()}"\nuser_agent = "{UA}"\n'
        "allow_private_addresses = true\nmin_delay = 0.08\nper_host_concurrency = 2\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.scrape", "--config", str(toml)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_manifest(raw)) < 8:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "crawl made no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    first = _manifest(raw)
    stored_first = {e["url"] for e in first if e["event"] == "fetched"}
    assert 8 <= len(stored_first) < len(_all_urls(site))
    hits_before = len(site.hits)

    report = scrape(load_config(toml))

    refetched = [h.path for h in site.hits[hits_before:] if f"{site.base}{h.path}" in stored_first]
    assert refetched == []
    assert report.resumed and report.fetched == PAGES + 1 and report.failed == {}
    final = _manifest(raw)
    fetched = [e["url"] for e in final if e["event"] == "fetched"]
    assert sorted(fetched) == sorted(_all_urls(site))  # each page exactly once across both processes
    for e in final:
        assert (raw / e["path"]).is_file()
    assert not [p for p in (raw / "pages").rglob("*") if p.name.startswith(".tmp-")]


def test_crash_between_manifest_and_state_commit(site: Site, tmp_path: Path) -> None:
    """A page whose manifest line landed but whose state commit did not is not fetched again."""
    _build(site)
    raw = tmp_path / "raw"
    config = fast_config(raw, start=[f"{site.base}/p/"])
    done = scrape(config)
    db = sqlite3.connect(raw / ".scrape-state" / "state.sqlite3")
    with db:
        db.execute("UPDATE runs SET finished_at = NULL")
        db.execute(
            "UPDATE frontier SET status='pending', outcome=NULL WHERE url IN (?, ?)",
            (f"{site.base}/p/", f"{site.base}/p/7"),
        )
    db.close()
    hits_before = len(site.hits)
    report = scrape(config)
    assert site.hits[hits_before:] == []  # reconciled from the manifest, nothing left to fetch
    assert report.resumed and report.run_id == done.run_id and report.fetched == PAGES + 1
