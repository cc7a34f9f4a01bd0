"""Refreshes over time, end to end: real HTTP server on 127.0.0.1, real scrapes, the real build flow.

A scraped URL's newest version is its page; older versions are superseded (kept, not built,
counted); `ingest gc --raw` removes them under the scrape lock; discovery trusts the manifest's
sha256 while a file's size and mtime match."""

from __future__ import annotations

import hashlib
import json
import os
import threading

import pytest
from typer.testing import CliRunner

from ingest.cli import app
from ingest.assembly.incremental import fingerprint_raw
from ingest.scrape.crawl import scrape
from ingest.scrape.store import StoreBusy, store_lock
from ingest.extract.ids import page_key, record_id
from tests.conftest import RAW_SAMPLE
from tests.scrape.scrape_site import Site, fast_config

KNEE = (RAW_SAMPLE / "sample/codes-example/knee-arthroscopy.html").read_bytes()  # CPT 29881
CARPAL = (RAW_SAMPLE / "sample/codes-example/carpal-tunnel-release.html").read_bytes()  # CPT 64721


def _version(body: bytes, n: int) -> bytes:
    """The same page, edited (its summary's last sentence): a new version, same procedure."""
    edited = body.replace(b"smoothed at the same time.", f"smoothed at the same time (version {n}).".encode(), 1)
    assert edited != body or n == 0
    return edited


def _lines(path):
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()] if path.exists() else []


@pytest.fixture
def site():
    server = Site().start()
    server.page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    yield server
    server.stop()


def _scrape(site, raw, *paths):
    urls = raw.parent / "urls.txt"
    urls.write_text("".join(f"{site.base}{p}\n" for p in paths))
    return scrape(fast_config(raw, urls=urls, max_bytes=2_000_000))


def _build(raw, out, **settings):
    from flows.build import build

    return build(raw=str(raw), out=str(out), workers=0, **settings)


def _records(out, dataset="procedures"):
    return {r["id"]: r for r in _lines(out / "latest" / f"{dataset}.jsonl")}


def _url_id(site, path):
    """The id of the record of a page scraped from site at path: its scraped URL names it."""
    return record_id("procedure", page_key(f"{site.base}{path}", None, ""), {})


def _manifest_paths(raw):
    return [e["path"] for e in _lines(raw / "manifest.jsonl")]


def _three_versions(site, tmp_path):
    raw = tmp_path / "raw"
    for n in (1, 2, 3):
        site.page("/cpt/29881/", _version(KNEE, n))
        assert _scrape(site, raw, "/cpt/29881/").fetched == 1
    return raw


@pytest.mark.slow
def test_a_url_changed_twice_is_one_record_with_one_source(prefect_harness, site, tmp_path):
    raw, out = _three_versions(site, tmp_path), tmp_path / "out"
    summary = _build(raw, out)
    record = _records(out)[_url_id(site, "/cpt/29881/")]
    current = _lines(raw / "manifest.jsonl")[-1]
    assert [s["path"] for s in record["sources"]] == [current["path"]] and record["sources"][0]["role"] == "primary"
    assert record["previous_versions"] == 2
    assert "(version 3)" in record["summary"]
    # nothing lost, nothing silent: 1 current page (a record source) + 2 superseded versions = 3 files
    assert summary["pages"] == 1 and summary["superseded"] == 2
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert manifest["inputs"]["superseded"] == 2
    assert json.loads((out / "latest" / "quality.json").read_text())["superseded_versions"] == 2
    assert len(list((raw / "pages").rglob("*.html"))) == 3 and _lines(out / "latest" / "quarantine.jsonl") == []
    assert "previous_versions" in (out / "latest" / "README.md").read_text()  # documented in the dataset card

    # the URL then answers 410: today's withdrawal (its current version quarantined as `gone`)
    site.routes["/cpt/29881/"] = lambda h: h.send_error(410)
    assert _scrape(site, raw, "/cpt/29881/").gone == 1
    gone = _build(raw, out, allow_shrink=True)  # its only record withdrawn: the shrink gate opened on purpose
    assert gone["records"]["procedures"] == 0 and gone["superseded"] == 2
    assert [(q["path"], q["reason"]) for q in _lines(out / "latest" / "quarantine.jsonl")] == [(current["path"], "gone")]


@pytest.mark.slow
def test_content_replaced_by_another_procedure_leaves_no_stale_record(prefect_harness, site, tmp_path):
    raw, out = _three_versions(site, tmp_path), tmp_path / "out"
    _build(raw, out)
    url_id = _url_id(site, "/cpt/29881/")
    assert set(_records(out)) == {url_id} and _records(out)[url_id]["code"] == "29881"
    site.page("/cpt/29881/", CARPAL)  # the same URL now serves another procedure
    _scrape(site, raw, "/cpt/29881/")
    summary = _build(raw, out)
    records = _records(out)
    # one document, the URL's: its id stays, its content (code, entity) is the new page's, nothing stale
    assert set(records) == {url_id} and summary["superseded"] == 3
    assert (records[url_id]["code"], records[url_id]["entity"]) == ("64721", "cpt:64721")
    assert records[url_id]["previous_versions"] == 3
    assert len(records[url_id]["sources"]) == 1
    changes = [c for c in _lines(out / "latest" / "changes.jsonl") if c["dataset"] == "procedures"]
    assert [(c["id"], c["change"]) for c in changes] == [(url_id, "changed")]
    assert {"code", "entity", "title"} <= set(changes[0]["fields"])


@pytest.mark.slow
def test_gc_raw_keeps_the_current_version_and_rewrites_the_manifest_atomically(prefect_harness, site, tmp_path):
    raw, out = _three_versions(site, tmp_path), tmp_path / "out"
    site.page("/cpt/64721/", CARPAL)
    _scrape(site, raw, "/cpt/29881/", "/cpt/64721/")  # 29881 revalidated (304 or same body), 64721 new
    paths = _manifest_paths(raw)
    current = {e["url"]: e["path"] for e in _lines(raw / "manifest.jsonl")}
    old = [p for p in dict.fromkeys(paths) if p not in current.values()]
    assert len(old) == 2
    before = ((raw / "manifest.jsonl").read_bytes(), sorted(p.name for p in (raw / "pages").rglob("*.html")))
    runner = CliRunner()

    dry = runner.invoke(app, ["gc", "--raw", str(raw), "--keep-versions", "1", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 2 superseded version(s)" in dry.output
    assert ((raw / "manifest.jsonl").read_bytes(), sorted(p.name for p in (raw / "pages").rglob("*.html"))) == before

    keep2 = runner.invoke(app, ["gc", "--raw", str(raw), "--keep-versions", "2", "--dry-run"])
    assert "would remove 1 superseded version(s)" in keep2.output and str(raw / old[0]) in keep2.output

    inode = (raw / "manifest.jsonl").stat().st_ino
    done = runner.invoke(app, ["gc", "--raw", str(raw), "--keep-versions", "1"])
    assert done.exit_code == 0, done.output
    assert (raw / "manifest.jsonl").stat().st_ino != inode  # replaced by a rename, never rewritten in place
    assert not [p for p in raw.iterdir() if p.name.startswith(".tmp-")]
    lines = _lines(raw / "manifest.jsonl")
    assert {e["path"] for e in lines} == set(current.values())  # only the current versions' lines are left
    assert len(lines) == len(paths) - sum(p in old for p in paths)
    assert all((raw / p).is_file() for p in current.values()) and not any((raw / p).exists() for p in old)

    summary = _build(raw, out)
    assert summary["superseded"] == 0 and _records(out)[_url_id(site, "/cpt/29881/")]["previous_versions"] == 0
    assert runner.invoke(app, ["gc", "--raw", str(raw), "--keep-versions", "1"]).output.startswith("removed 0")
    # the scraper still revalidates from the kept lines
    assert _scrape(site, raw, "/cpt/29881/", "/cpt/64721/").failed == {}


def test_gc_raw_refuses_while_a_scrape_runs(site, tmp_path):
    raw = _three_versions(site, tmp_path)
    release = threading.Event()

    def slow(h):
        release.wait(20)
        h.send_response(200)
        body = _version(KNEE, 4)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    site.routes["/cpt/29881/"] = slow
    worker = threading.Thread(target=_scrape, args=(site, raw, "/cpt/29881/"))
    worker.start()
    try:
        for _ in range(200):
            if site.count("/cpt/29881/") >= 4:  # three earlier scrapes + this one's request in flight
                break
            release.wait(0.05)
        before = (raw / "manifest.jsonl").read_bytes()
        result = CliRunner().invoke(app, ["gc", "--raw", str(raw), "--keep-versions", "1"])
        assert result.exit_code == 1 and "in use by another scrape or gc" in " ".join(result.output.split())
        assert (raw / "manifest.jsonl").read_bytes() == before
    finally:
        release.set()
        worker.join(30)
    assert CliRunner().invoke(app, ["gc", "--raw", str(raw), "--keep-versions", "1"]).exit_code == 0
    with store_lock(raw), pytest.raises(StoreBusy):  # and a scrape refuses (after its wait) while gc holds it
        scrape(fast_config(raw, urls=raw.parent / "urls.txt"), lock_wait=0.3)


def test_gc_raw_needs_a_policy_and_a_scraped_store(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["gc"]).exit_code == 2  # usage errors
    assert runner.invoke(app, ["gc", "--raw", str(tmp_path)]).exit_code == 2
    assert runner.invoke(app, ["gc", "--keep-versions", "2"]).exit_code == 2
    result = runner.invoke(app, ["gc", "--raw", str(tmp_path), "--keep-versions", "1"])
    assert result.exit_code == 1 and "not a scraped raw store" in " ".join(result.output.split())
    assert runner.invoke(app, ["gc", "--raw", str(tmp_path), "--older-than", "soon"]).exit_code == 1


def test_discovery_trusts_the_manifest_hash_while_size_and_mtime_match(site, tmp_path, monkeypatch):
    import ingest.assembly.incremental as incremental

    raw = _three_versions(site, tmp_path)
    site.page("/cpt/64721/", CARPAL)
    _scrape(site, raw, "/cpt/64721/")
    calls: list[str] = []
    real = incremental.file_sha256
    monkeypatch.setattr(incremental, "file_sha256", lambda path: calls.append(path) or real(path))

    fp = fingerprint_raw(raw, tmp_path / "out")
    assert fp.count == 2 and fp.superseded == 2 and fp.hashed == 0 and calls == []
    entries = {e["path"]: e for e in _lines(raw / "manifest.jsonl")}
    assert all(sha == entries[ref.rel_path]["sha256"] for ref, sha in fp.pages())

    # the accepted trade-off: bytes changed behind the store's back with size AND mtime kept are not seen
    ref = next(fp.pages())[0]
    st = os.stat(ref.path)
    data = bytearray(open(ref.path, "rb").read())
    data[-20:-19] = b"X" if data[-20:-19] != b"X" else b"Y"
    open(ref.path, "wb").write(bytes(data))
    os.utime(ref.path, ns=(st.st_atime_ns, st.st_mtime_ns))
    tampered = fingerprint_raw(raw, tmp_path / "out")
    assert tampered.digest == fp.digest and tampered.hashed == 0 and calls == []

    # any mtime change: the file is hashed again and its real hash used
    os.utime(ref.path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    verified = fingerprint_raw(raw, tmp_path / "out")
    assert verified.hashed == 1 and calls == [ref.path]
    assert dict((r.rel_path, sha) for r, sha in verified.pages())[ref.rel_path] == hashlib.sha256(bytes(data)).hexdigest()
    assert verified.digest != fp.digest


def _line(url: str, path: str | None, at: str, event: str = "fetched") -> dict:
    return {"url": url, "final_url": url, "fetched_at": at, "sha256": path and path[6:], "size": 1, "path": path,
            "encoding_header": None, "event": event}


def test_gc_plan_by_count_age_and_shared_bodies():
    from datetime import datetime, timedelta, timezone

    from ingest.scrape.retention import parse_age, plan

    a, b = "https://s.example/a", "https://s.example/b"
    lines = [_line(a, "pages/a1", "2026-01-01T00:00:00Z"), _line(a, "pages/a2", "2026-03-01T00:00:00Z"),
             _line(a, "pages/a2", "2026-03-02T00:00:00Z", "not_modified"), _line(a, "pages/a3", "2026-06-01T00:00:00Z"),
             _line(b, "pages/a1", "2026-01-01T00:00:00Z"),  # b shares a1's body: a1 is b's current version
             _line(b, "pages/b2", "2026-02-01T00:00:00Z"), _line(b, "pages/b2", "2026-06-01T00:00:00Z", "gone")]
    # b's newest line (gone) still names b2: b2 is current; a1 was superseded for b by b2
    now = datetime(2026, 6, 2, tzinfo=timezone.utc)
    assert plan(lines, keep_versions=1, older_than=None, now=now) == ({"pages/a1", "pages/a2"}, 0)
    # 2 versions a URL: a keeps a2, and b keeps a1 (its newest superseded version): nothing goes
    assert plan(lines, keep_versions=2, older_than=None, now=now) == (set(), 2)
    assert plan(lines, keep_versions=None, older_than=parse_age("120d"), now=now) == ({"pages/a1"}, 1)
    assert plan(lines, keep_versions=None, older_than=parse_age("30d"), now=now) == ({"pages/a1", "pages/a2"}, 0)
    assert plan(lines, keep_versions=2, older_than=parse_age("30d"), now=now) == (set(), 2)  # both must agree
    shared = lines + [_line(b, "pages/a1", "2026-06-01T00:00:00Z")]  # b serves a1's body again: a1 current for b
    assert plan(shared, keep_versions=1, older_than=None, now=now)[0] == {"pages/a2", "pages/b2"}
    assert parse_age("2w") == timedelta(days=14) and parse_age("12h") == timedelta(hours=12)
    with pytest.raises(ValueError):
        plan(lines, keep_versions=None, older_than=None)


def test_the_manifest_index_reads_only_appended_lines_and_notices_a_rewrite(tmp_path):
    from ingest.page.acquire import read_fetch_manifest
    from ingest.scrape.retention import gc_raw

    raw, index = tmp_path / "raw", tmp_path / "out" / ".cache" / "index.json"
    (raw / "pages").mkdir(parents=True)
    url = "https://s.example/a"
    with (raw / "manifest.jsonl").open("w") as fh:
        for n in range(3):
            fh.write(json.dumps(_line(url, f"pages/v{n}.html", f"2026-01-0{n + 1}T00:00:00Z")) + "\n")
            (raw / "pages" / f"v{n}.html").write_text(f"<p>{n}</p>")
    full = read_fetch_manifest(raw)
    assert read_fetch_manifest(raw, index) == full and index.exists()
    with (raw / "manifest.jsonl").open("a") as fh:  # a later scrape appends; a torn line is left for later
        fh.write(json.dumps(_line(url, "pages/v1.html", "2026-01-05T00:00:00Z", "not_modified")) + "\n")
        fh.write('{"url": "https://s.example/a", "pa')
    after = read_fetch_manifest(raw, index)
    assert after == read_fetch_manifest(raw) and after.newest == {full.url_of["pages/v0.html"]: "pages/v1.html"}
    assert after.by_path["pages/v1.html"]["fetched_at"] == "2026-01-02T00:00:00Z"  # first fetched then
    text = (raw / "manifest.jsonl").read_text()
    (raw / "manifest.jsonl").write_text(text[:text.rfind("\n") + 1])  # what the scraper's repair does
    gc_raw(raw, keep_versions=1)  # rewrites the manifest (a new file): the index must not be trusted
    assert read_fetch_manifest(raw, index) == read_fetch_manifest(raw)
    assert set(read_fetch_manifest(raw, index).by_path) == {"pages/v1.html"}
