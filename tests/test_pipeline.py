"""The per-page stage on real files: records, quarantine reasons, caps and limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.page.acquire import PageRef, discover_pages
from ingest.page.parallel import extract_pages
from ingest.extract.ids import page_key, record_id
from ingest.page.process import process_page
from ingest.settings import BuildSettings
from tests.test_properties import PROCEDURE


def _ref(tmp_path: Path, name: str, data: bytes) -> PageRef:
    path = tmp_path / name
    path.write_bytes(data)
    return PageRef(str(path), name, len(data))


def test_procedure_page_becomes_a_record(tmp_path):
    result = process_page(_ref(tmp_path, "p.html", PROCEDURE.encode()), BuildSettings(workers=0))
    assert result.quarantine is None, result.quarantine
    rec = result.record
    assert rec["title"] == "Trigger finger release"
    assert rec["procedure_steps"] == ["Numb the palm", "Cut the pulley"]
    assert rec["sources"][0]["sha256"] == result.sha256 and rec["sources"][0]["encoding"] == "utf-8"
    assert rec["id"] == record_id("procedure", page_key(None, None, "p.html"), rec) == "procedure:path:p-" + rec["id"][-10:]
    assert rec["entity"] == "name:trigger-finger-release"


@pytest.mark.parametrize("name,data,reason", [
    ("empty.html", b"", "empty"),
    ("image.html", b"\x89PNG\r\n\x1a\n" + bytes(300), "binary"),
    ("news.html", b"<html><body><h1>Hospital opens new wing</h1><p>The mayor cut the ribbon.</p></body></html>",
     "unsupported_page_type"),
    ("big.html", b"<p>" + b"a" * 2000 + b"</p>", "too_large"),
])
def test_bad_pages_are_quarantined_with_a_reason(tmp_path, name, data, reason):
    result = process_page(_ref(tmp_path, name, data), BuildSettings(workers=0, max_page_bytes=1000))
    assert result.record is None
    assert result.quarantine["reason"] == reason
    assert result.quarantine["detail"]


def test_time_limit_quarantines_a_slow_page(tmp_path, monkeypatch):
    import ingest.page.process as pipeline

    def slow(*args, **kwargs):
        while True:
            pass

    monkeypatch.setattr(pipeline, "classify_and_extract", slow)
    result = process_page(_ref(tmp_path, "p.html", PROCEDURE.encode()), BuildSettings(workers=0, page_time_limit=0.2))
    assert result.quarantine["reason"] == "timeout"


@pytest.mark.slow  # real worker processes
def test_worker_processes_give_the_same_results_as_in_process(tmp_path):
    for i in range(30):
        (tmp_path / f"p{i:02d}.html").write_text(PROCEDURE.replace("Trigger finger", f"Trigger finger {i}"))
    (tmp_path / "empty.html").write_bytes(b"")
    refs = list(discover_pages(tmp_path))
    serial = extract_pages(refs, BuildSettings(workers=0))
    parallel = extract_pages(refs, BuildSettings(workers=2, chunk_size=4))
    assert [(r.rel_path, r.record, r.quarantine) for r in serial] == \
           [(r.rel_path, r.record, r.quarantine) for r in parallel]


def test_pages_the_scraper_saw_disappear_are_withdrawn(tmp_path):
    page = tmp_path / "pages" / "ab" / "abc.html"
    page.parent.mkdir(parents=True)
    page.write_text(PROCEDURE)
    manifest = [
        {"url": "https://codes.example/cpt/26055/", "final_url": "https://codes.example/cpt/26055/", "status": 200,
         "fetched_at": "2026-11-01T00:00:00Z", "sha256": "x", "size": 1, "path": "pages/ab/abc.html",
         "encoding_header": "windows-1252", "event": "fetched"},
        {"url": "https://codes.example/cpt/26055/", "final_url": None, "status": 410,
         "fetched_at": "2026-11-20T00:00:00Z", "sha256": "x", "size": 1, "path": "pages/ab/abc.html",
         "encoding_header": None, "event": "gone"},
    ]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(m) + "\n" for m in manifest))
    ref = next(discover_pages(tmp_path))
    assert ref.gone == "2026-11-20T00:00:00Z"
    result = process_page(ref, BuildSettings(workers=0))
    assert result.quarantine["reason"] == "gone" and "410" in result.quarantine["detail"]


def test_fetch_provenance_reaches_the_record(tmp_path):
    page = tmp_path / "pages" / "cd" / "cde.html"
    page.parent.mkdir(parents=True)
    page.write_text(PROCEDURE)
    entry = {"url": "https://codes.example/cpt/26055/?utm_source=x", "final_url": "https://codes.example/cpt/26055/",
             "status": 200, "fetched_at": "2026-11-01T00:00:00Z", "sha256": "x", "size": 1,
             "path": "pages/cd/cde.html", "encoding_header": "utf-8", "event": "fetched"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(entry) + "\n")
    result = process_page(next(discover_pages(tmp_path)), BuildSettings(workers=0))
    source = result.record["sources"][0]
    assert source["uri"] == "https://codes.example/cpt/26055/" and source["fetched_at"] == "2026-11-01T00:00:00Z"
    assert source["encoding_source"] == "http_header"


def test_time_limit_also_holds_in_worker_threads(tmp_path, monkeypatch):
    # Prefect runs tasks in worker threads, where SIGALRM cannot be used
    import threading

    import ingest.page.process as pipeline

    def slow(*args, **kwargs):
        while True:
            pass

    monkeypatch.setattr(pipeline, "classify_and_extract", slow)
    out = {}
    ref = _ref(tmp_path, "p.html", PROCEDURE.encode())
    thread = threading.Thread(target=lambda: out.update(r=process_page(ref, BuildSettings(workers=0, page_time_limit=0.2))))
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert out["r"].quarantine["reason"] == "timeout"
