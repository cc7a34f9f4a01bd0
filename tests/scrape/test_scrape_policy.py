"""Politeness and safety policies against a real server: address guard, concurrency, limits."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ingest.scrape.crawl import scrape

from .scrape_site import Site, fast_config, max_concurrency, procedure_page, send


def _failures(raw: Path) -> list[dict]:
    return [json.loads(line) for line in (raw / "failures.jsonl").read_text().splitlines()]


def test_private_addresses_blocked_by_default(site: Site, tmp_path: Path) -> None:
    site.page("/cpt/", procedure_page("CPT", "Index"))
    report = scrape(fast_config(tmp_path, start=[f"{site.base}/cpt/"], allow_private_addresses=False))
    assert site.hits == []  # not even robots.txt: the connection is refused before it is made
    assert report.skipped == {"private_address": 1} and report.fetched == 0
    (line,) = _failures(tmp_path)
    assert line["cause"] == "private_address" and "127.0.0.1" in line["detail"]


def test_per_host_concurrency_limit(site: Site, tmp_path: Path) -> None:
    def slow(h) -> None:
        time.sleep(0.25)
        send(h, 200, procedure_page(h.path, "Slow page").encode())

    site.page("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")
    site.page("/s/", procedure_page("S", "Slow pages", [str(i) for i in range(8)]))
    for i in range(8):
        site.routes[f"/s/{i}"] = slow
    report = scrape(fast_config(tmp_path, start=[f"{site.base}/s/"], min_delay=0.0, workers=8, per_host_concurrency=2))
    assert report.fetched == 9
    assert max_concurrency(site.hits) == 2  # the limit is used, and never exceeded


def test_depth_and_page_limits(site: Site, tmp_path: Path) -> None:
    site.page("/d/", procedure_page("D0", "Depth 0", ["1"]))
    site.page("/d/1", procedure_page("D1", "Depth 1", ["2", "3", "4"]))
    for i in (2, 3, 4):
        site.page(f"/d/{i}", procedure_page(f"D{i}", "Depth 2"))
    report = scrape(fast_config(tmp_path / "depth", start=[f"{site.base}/d/"], max_depth=1))
    assert report.fetched == 2 and report.skipped == {"max_depth": 3}
    report = scrape(fast_config(tmp_path / "pages", start=[f"{site.base}/d/"], max_pages=3))
    assert report.fetched == 3 and report.skipped == {"max_pages": 2}


def test_url_list_seeds(site: Site, tmp_path: Path) -> None:
    site.page("/u/a", procedure_page("A", "Listed", ["b"]))
    site.page("/u/b", procedure_page("B", "Linked only"))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# listed pages\n{site.base}/u/a?utm_source=list\n\nnot a url\n")
    report = scrape(fast_config(tmp_path / "raw", urls=urls))
    assert report.fetched == 1 and report.skipped == {"bad_url": 1}  # --urls does not follow links by default
    assert [h.path for h in site.hits if h.path.startswith("/u/")] == ["/u/a"]


def test_scrape_is_callable_from_async_code(site: Site, tmp_path: Path) -> None:
    import asyncio

    site.page("/a/", procedure_page("A", "Async caller"))

    async def caller():
        return scrape(fast_config(tmp_path, start=[f"{site.base}/a/"]))

    assert asyncio.run(caller()).fetched == 1
