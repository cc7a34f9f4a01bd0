"""End-to-end crawl of the hostile fixture site: what is stored, skipped, failed, and what the server saw."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Iterator

import pytest

from ingest.scrape.crawl import ScrapeReport, scrape

from .scrape_site import (
    CP1252_BODY,
    LAST_MODIFIED,
    UA,
    Hit,
    Site,
    build_procedure_site,
    fast_config,
    max_concurrency,
    procedure_page,
)

CRAWL_DELAY = 0.1


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@dataclass
class Crawl:
    site: Site
    raw: Path
    report: ScrapeReport
    manifest: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    hits: list[Hit]


# Every test here reads one real crawl of the fixture site (a server with crawl delays): ~15 s.
pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crawl, Crawl]]:
    """First crawl of the site, then a refresh run after /cpt/removed starts answering 410."""
    site = Site().start()
    switches = build_procedure_site(site, CRAWL_DELAY)
    raw = tmp_path_factory.mktemp("raw")
    config = fast_config(
        raw, start=[f"{site.base}/cpt/"], sitemap=[f"{site.base}/sitemap_index.xml"], allow=[f"{site.base}/cpt/*"]
    )
    results = []
    for phase in (1, 2):
        if phase == 2:
            switches["removed"] = True
        before_m, before_f, before_h = (
            len(_lines(raw / "manifest.jsonl")),
            len(_lines(raw / "failures.jsonl")),
            len(site.hits),
        )
        report = scrape(config)
        results.append(
            Crawl(
                site,
                raw,
                report,
                _lines(raw / "manifest.jsonl")[before_m:],
                _lines(raw / "failures.jsonl")[before_f:],
                list(site.hits[before_h:]),
            )
        )
    yield results[0], results[1]
    site.stop()


@pytest.fixture(scope="module")
def first(crawls: tuple[Crawl, Crawl]) -> Crawl:
    return crawls[0]


def entry(crawl: Crawl, path: str) -> dict[str, Any]:
    url = f"{crawl.site.base}{path}"
    found = [e for e in crawl.manifest if e["url"] == url]
    assert len(found) == 1, (path, found)
    return found[0]


def failure(crawl: Crawl, path: str) -> dict[str, Any]:
    url = path if "://" in path else f"{crawl.site.base}{path}"
    found = [f for f in crawl.failures if f["url"] == url]
    assert len(found) == 1, (path, found)
    return found[0]


def test_report_counts(first: Crawl) -> None:
    r = first.report
    assert r.fetched == 16 and r.gone == 1 and r.not_modified == 0 and not r.resumed
    assert r.failed == {
        "out_of_scope_redirect": 2,
        "timeout": 2,
        "truncated": 1,
        "too_large": 2,
        "decompression_bomb": 2,
        "hostile_xml": 2,
    }
    assert r.skipped == {"robots_disallowed": 1, "out_of_scope": 3, "unsupported_content_type": 1}
    assert r.sitemaps == 3  # index, cpt.xml, more.xml.gz
    assert r.bytes == sum(e["size"] for e in first.manifest if e["event"] == "fetched")


def test_stored_pages_are_complete_and_named_by_hash(first: Crawl) -> None:
    fetched = [e for e in first.manifest if e["event"] == "fetched"]
    for e in fetched:
        body = (first.raw / e["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == e["sha256"] and len(body) == e["size"]
        assert e["path"] == f"pages/{e['sha256'][:2]}/{e['sha256']}{Path(e['path']).suffix}"
    stored = {p.relative_to(first.raw).as_posix() for p in (first.raw / "pages").rglob("*") if p.is_file()}
    assert stored == {e["path"] for e in fetched}  # no temp files, nothing truncated
    assert entry(first, "/cpt/notes.txt")["path"].endswith(".txt")
    assert entry(first, "/cpt/99213")["path"].endswith(".html")


def test_manifest_line_format(first: Crawl) -> None:
    e = entry(first, "/cpt/99213")
    assert list(e) == [
        "url",
        "final_url",
        "status",
        "http_version",
        "content_type",
        "etag",
        "last_modified",
        "date",
        "fetched_at",
        "sha256",
        "size",
        "path",
        "encoding_header",
        "event",
        "mtime_ns",
    ]
    assert e["mtime_ns"] == (first.raw / e["path"]).stat().st_mtime_ns  # builds trust sha256 while it matches
    assert e["status"] == 200 and e["event"] == "fetched" and e["encoding_header"] == "utf-8"
    assert e["http_version"] == "HTTP/1.1"  # the fixture server is plain http: no HTTP/2 without TLS
    assert e["fetched_at"].endswith("Z") and e["date"].endswith("GMT")


def test_tracking_parameter_duplicates_fetched_once(first: Crawl) -> None:
    paths = [h.path for h in first.hits]
    assert paths.count("/cpt/99213") == 1
    assert not any(p.startswith("/cpt/99213") and p != "/cpt/99213" for p in paths)
    assert paths.count("/cpt/99214?a=1&b=2") == 1
    assert entry(first, "/cpt/99214?a=1&b=2")["event"] == "fetched"


def test_sitemap_index_and_gzipped_sitemap(first: Crawl) -> None:
    assert entry(first, "/cpt/sitemap-only")["event"] == "fetched"
    assert entry(first, "/cpt/from-gz-sitemap")["event"] == "fetched"
    skipped = failure(first, f"http://localhost:{first.site.port}/sitemaps/elsewhere.xml")
    assert skipped["kind"] == "skipped" and skipped["cause"] == "out_of_scope"


def test_hostile_sitemaps_rejected(first: Crawl) -> None:
    for path in ("/sitemaps/xxe.xml", "/sitemaps/lol.xml"):
        f = failure(first, path)
        assert f["kind"] == "failed" and f["cause"] == "hostile_xml"
    assert failure(first, "/sitemaps/bomb.xml.gz")["cause"] == "decompression_bomb"
    assert not any("passwd" in e["url"] or "lol" in e["url"] for e in first.manifest)
    for e in first.manifest:
        if e["path"]:
            assert b"root:" not in (first.raw / e["path"]).read_bytes()


def test_robots_disallowed_never_requested(first: Crawl) -> None:
    assert not any(h.path.startswith("/cpt/private") for h in first.hits)
    f = failure(first, "/cpt/private/notes")
    assert (f["kind"], f["cause"], f["found_on"]) == ("skipped", "robots_disallowed", f"{first.site.base}/cpt/")


def test_out_of_scope_links_and_redirects(first: Crawl) -> None:
    assert failure(first, "https://other.example/cpt/1")["cause"] == "out_of_scope"
    assert failure(first, "/other/outside")["cause"] == "out_of_scope"
    moved = failure(first, "/cpt/moved")
    assert moved["cause"] == "out_of_scope_redirect" and moved["status"] == 301
    assert failure(first, "/cpt/to-file")["cause"] == "out_of_scope_redirect"
    assert not any(h.host.startswith("localhost") for h in first.hits)
    followed = entry(first, "/cpt/old-99215")
    assert followed["final_url"] == f"{first.site.base}/cpt/99215" and followed["event"] == "fetched"


def test_retry_after_and_recovery(first: Crawl) -> None:
    def starts(path: str) -> list[float]:
        return [h.start for h in first.hits if h.path == path]

    busy, busy_date, flaky = starts("/cpt/busy"), starts("/cpt/busy-date"), starts("/cpt/flaky")
    assert len(busy) == len(busy_date) == len(flaky) == 2
    assert busy[1] - busy[0] >= 0.9  # Retry-After: 1
    assert busy_date[1] - busy_date[0] >= 0.8  # Retry-After: <HTTP-date two seconds ahead>
    for path in ("/cpt/busy", "/cpt/busy-date", "/cpt/flaky"):
        assert entry(first, path)["status"] == 200


def test_timeouts_cut_bodies_and_caps(first: Crawl) -> None:
    assert failure(first, "/cpt/stall")["cause"] == "timeout"
    assert failure(first, "/cpt/trickle")["cause"] == "timeout"  # total limit, not inactivity
    assert failure(first, "/cpt/cut")["cause"] == "truncated"
    assert failure(first, "/cpt/huge")["cause"] == "too_large"
    assert failure(first, "/cpt/huge-cl")["cause"] == "too_large"
    assert failure(first, "/cpt/bomb")["cause"] == "decompression_bomb"
    assert [h.path for h in first.hits].count("/cpt/stall") == 2  # retried once, then given up


def test_content_codings_and_charset(first: Crawl) -> None:
    for path, code in (("/cpt/gz", "GZ"), ("/cpt/br", "BR")):
        e = entry(first, path)
        assert (first.raw / e["path"]).read_bytes() == procedure_page(
            code, {"GZ": "Gzipped page", "BR": "Brotli page"}[code]
        ).encode()
    e = entry(first, "/cpt/cp1252")
    assert e["encoding_header"] == "windows-1252"
    assert (first.raw / e["path"]).read_bytes() == CP1252_BODY  # bytes stored as served
    assert failure(first, "/cpt/chart.png")["cause"] == "unsupported_content_type"
    assert all("gzip" in h.headers.get("accept-encoding", "") for h in first.hits)


def test_missing_page_is_gone_without_path(first: Crawl) -> None:
    e = entry(first, "/cpt/missing")
    assert (e["event"], e["status"], e["path"], e["sha256"]) == ("gone", 404, None, None)


def test_politeness(crawls: tuple[Crawl, Crawl]) -> None:
    for crawl in crawls:
        assert max_concurrency(crawl.hits) <= 2
        assert all(h.headers.get("user-agent") == UA for h in crawl.hits)
        starts = sorted(h.start for h in crawl.hits)
        gaps = [b - a for a, b in pairwise(starts)]
        # Crawl-delay beats the smaller min_delay. Starts are seen by the server, whose handler threads a
        # loaded machine may start late: one late start shortens one gap (and lengthens the next), but it
        # cannot shorten the whole crawl, which n requests spaced by the delay make at least (n-1) delays long.
        assert starts[-1] - starts[0] >= CRAWL_DELAY * (len(starts) - 1) * 0.9, (starts[-1] - starts[0], len(starts))
        assert sum(g < CRAWL_DELAY * 0.66 for g in gaps) <= 1, gaps
        assert [h.path for h in crawl.hits].count("/robots.txt") == 1


def test_refresh_revalidates_and_reports_gone(crawls: tuple[Crawl, Crawl]) -> None:
    first, second = crawls
    assert second.report.run_id != first.report.run_id and not second.report.resumed
    etag_hit = [h for h in second.hits if h.path == "/cpt/etag"][0]
    assert etag_hit.headers["if-none-match"] == '"v1"'
    lm_hit = [h for h in second.hits if h.path == "/cpt/lastmod"][0]
    assert lm_hit.headers["if-modified-since"] == LAST_MODIFIED
    for path in ("/cpt/etag", "/cpt/lastmod"):
        old, new = entry(first, path), entry(second, path)
        assert (new["event"], new["status"]) == ("not_modified", 304)
        assert (new["path"], new["sha256"], new["size"], new["content_type"]) == (
            old["path"],
            old["sha256"],
            old["size"],
            old["content_type"],
        )
    assert entry(second, "/cpt/etag")["etag"] == '"v1"'
    assert entry(second, "/cpt/lastmod")["last_modified"] == LAST_MODIFIED
    old, gone = entry(first, "/cpt/removed"), entry(second, "/cpt/removed")
    assert (gone["event"], gone["status"]) == ("gone", 410)
    assert (gone["path"], gone["sha256"]) == (old["path"], old["sha256"])
    assert (second.raw / old["path"]).is_file()  # the stored page is kept; the build decides
    assert second.report.not_modified == 2 and second.report.gone == 2
