"""Scrape and build together: the `refresh` flow against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RAW_SAMPLE
from tests.scrape.scrape_site import UA, Site, send

PAGES = {"/cpt/29881/": "sample/codes-example/knee-arthroscopy.html",
         "/cpt/64721/": "sample/codes-example/carpal-tunnel-release.html",
         "/cpt/26055/": "sample/codes-example/trigger-finger-release.html"}
CONFIG = f"""user_agent = "{UA}"
allow_private_addresses = true
min_delay = 0.02
max_retries = 1
backoff_base = 0.05
request_timeout = 2.0
"""


@pytest.fixture
def site():
    server = Site().start()
    yield server
    server.stop()


def _lines(path):
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def _serve_sample(site, tmp_path):
    """Serve the sample pages (and a robots.txt) on the test site; (urls file, scrape config, raw, out)."""
    for path, sample in PAGES.items():
        site.page(path, (RAW_SAMPLE / sample).read_bytes())
    site.page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"{site.base}{p}\n" for p in PAGES))
    config = tmp_path / "scrape.toml"
    config.write_text(CONFIG)
    return urls, config, tmp_path / "raw", tmp_path / "out"


@pytest.mark.slow
def test_refresh_scrapes_then_builds_and_withdraws_pages_that_disappear(prefect_harness, site, tmp_path):
    from flows.refresh import refresh

    urls, config, raw, out = _serve_sample(site, tmp_path)

    first = refresh(raw=str(raw), out=str(out), urls=str(urls), scrape_config=str(config), workers=0)
    assert first["scrape"]["fetched"] == 3 and first["build"]["records"]["procedures"] == 3
    records = _lines(out / "latest" / "procedures.jsonl")
    sources = {r["code"]: r["sources"][0] for r in records}
    assert sources["29881"]["uri"] == f"{site.base}/cpt/29881/" or sources["29881"]["uri"].startswith("https://codes.example/")
    assert all(s["fetched_at"] and s["path"].startswith("pages/") for s in sources.values())

    site.routes["/cpt/64721/"] = lambda h: send(h, 410, b"gone", None, "text/plain")
    # 1 record of 3 withdrawn (-33%): over the shrink margin, published because its page is gone and we say so
    second = refresh(raw=str(raw), out=str(out), urls=str(urls), scrape_config=str(config), workers=0,
                     allow_shrink=True)
    assert second["scrape"]["gone"] == 1
    assert second["build"]["published"] and second["build"]["records"]["procedures"] == 2
    quarantine = _lines(out / "latest" / "quarantine.jsonl")
    assert [q["reason"] for q in quarantine] == ["gone"]
    changes = _lines(out / "latest" / "changes.jsonl")
    carpal_id = next(r["id"] for r in records if r["code"] == "64721")  # the scraped URL's record
    assert carpal_id.startswith("procedure:127.0.0.1:")
    assert {(c["dataset"], c["id"], c["change"]) for c in changes if c["dataset"] == "procedures"} == \
           {("procedures", carpal_id, "removed")}


@pytest.mark.slow
def test_ingest_refresh_passes_the_build_settings_to_the_build(prefect_harness, site, tmp_path):
    from typer.testing import CliRunner

    from ingest.cli import app

    urls, config, raw, out = _serve_sample(site, tmp_path)
    result = CliRunner().invoke(app, ["refresh", "--urls", str(urls), "--config", str(config), "--raw", str(raw),
                                      "--out", str(out), "--workers", "0", "--max-page-bytes", "2000",
                                      "--page-time-limit", "5", "--drift-margin", "0.5", "--strict"])
    assert result.exit_code == 0, result.output
    quarantine = _lines(out / "latest" / "quarantine.jsonl")
    assert sorted(q["reason"] for q in quarantine) == ["too_large"] * 3  # every page is over 2,000 bytes
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert manifest["build"]["max_page_bytes"] == 2000
