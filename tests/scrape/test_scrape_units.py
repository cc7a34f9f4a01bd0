"""Unit tests: Retry-After, bounded decoding, hostile sitemaps, robots, links, logs, config."""

from __future__ import annotations

import gzip
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import brotli
import pytest

from ingest.scrape.config import ConfigError, ScrapeConfig, load_config
from ingest.scrape.decompress import BoundedDecoder, DecodeError, DecodeLimitExceeded, decode_all
from ingest.scrape.fetch import parse_retry_after
from ingest.scrape.links import extract_links
from ingest.scrape.net import is_public_address
from ingest.scrape.robots import parse_robots, rules_for_status
from ingest.scrape.sitemap import BadSitemap, HostileXML, parse_sitemap
from ingest.scrape.store import JsonlLog, read_jsonl

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_retry_after_forms() -> None:
    now = datetime(2025, 3, 4, 10, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after("Tue, 04 Mar 2025 09:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None


def _raw_deflate(data: bytes) -> bytes:
    co = zlib.compressobj(wbits=-15)
    return co.compress(data) + co.flush()


@pytest.mark.parametrize(
    "coding,compress",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),
        ("br", brotli.compress),
        ("gzip, br", lambda d: brotli.compress(gzip.compress(d))),
    ],
)
def test_bounded_decoding_round_trip(coding: str, compress) -> None:
    data = b"<p>procedure</p>" * 500
    assert decode_all(compress(data), coding, len(data)) == data


def test_bomb_stops_at_cap_without_inflating() -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)  # ~10 KB on the wire
    decoder = BoundedDecoder("gzip", 100_000)
    with pytest.raises(DecodeLimitExceeded):
        for i in range(0, len(bomb), 4096):
            decoder.feed(bomb[i : i + 4096])
    assert decoder.size <= 100_000 + 4096 * 2
    with pytest.raises(DecodeLimitExceeded):
        decode_all(brotli.compress(b"\0" * 10_000_000), "br", 100_000)


def test_corrupt_or_cut_streams() -> None:
    with pytest.raises(DecodeError):
        decode_all(gzip.compress(b"abc" * 1000)[:-12], "gzip", 10**6)
    with pytest.raises(DecodeError):
        decode_all(b"not gzip at all", "gzip", 10**6)
    with pytest.raises(DecodeError):
        BoundedDecoder("compress", 10)


def test_sitemap_kinds() -> None:
    urlset = f"<urlset {NS}><url><loc> https://c.example/a </loc><lastmod>2025</lastmod></url></urlset>".encode()
    assert parse_sitemap(urlset, 10**6).pages == ["https://c.example/a"]
    index = f"<sitemapindex {NS}><sitemap><loc>https://c.example/s.xml.gz</loc></sitemap></sitemapindex>".encode()
    assert parse_sitemap(gzip.compress(index), 10**6).sitemaps == ["https://c.example/s.xml.gz"]
    assert parse_sitemap(b"https://c.example/x\nhttps://c.example/y\n", 10**6).pages == [
        "https://c.example/x",
        "https://c.example/y",
    ]
    with pytest.raises(BadSitemap):
        parse_sitemap(b"<html><body>nope</body></html>", 10**6)
    with pytest.raises(BadSitemap):
        parse_sitemap(b"<urlset><url>", 10**6)


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]><urlset><url><loc>&x;</loc></url></urlset>',
        b'<!DOCTYPE u [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>',
        b'<!DOCTYPE u [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]><urlset/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE u [<!ENTITY x "y">]><urlset/>'.encode("utf-16"),
    ],
)
def test_hostile_xml_rejected(doc: bytes) -> None:
    with pytest.raises(HostileXML):
        parse_sitemap(doc, 10**6)
    with pytest.raises(HostileXML):
        parse_sitemap(gzip.compress(doc), 10**6)


def test_sitemap_bomb() -> None:
    with pytest.raises(DecodeLimitExceeded):
        parse_sitemap(gzip.compress(b"<" * 5_000_000), 100_000)


def test_robots_rules() -> None:
    text = "User-agent: *\nDisallow: /cpt/private/\nCrawl-delay: 0.25\nSitemap: https://c.example/sm.xml\n"
    rules = parse_robots(text, "ingest-bot/0.1 (+x)")
    assert rules.crawl_delay == 0.25 and rules.sitemaps == ["https://c.example/sm.xml"]
    assert not rules.allowed("https://c.example/cpt/private/1", "ingest-bot/0.1 (+x)")
    assert rules.allowed("https://c.example/cpt/1", "ingest-bot/0.1 (+x)")
    own = parse_robots(
        "User-agent: ingest-bot\nCrawl-delay: 3\nDisallow: /x\n\nUser-agent: *\nDisallow:\n", "ingest-bot/0.1"
    )
    assert own.crawl_delay == 3.0 and not own.allowed("https://c.example/x/1", "ingest-bot/0.1")
    assert rules_for_status(404, None, "b").allowed("https://c.example/any", "b")
    assert not rules_for_status(503, None, "b").allowed("https://c.example/any", "b")
    assert not rules_for_status(None, None, "b").allowed("https://c.example/any", "b")


def test_links() -> None:
    html = (
        b'<html><head><base href="/cpt/"></head><body><a href="99213?utm_source=x#f">a</a>'
        b'<a href="mailto:x@y">m</a><area href="https://other.example/">'
        b'<a href=" 99214 ">b</a><a href="99213">dup</a></body></html>'
    )
    assert extract_links(html, "https://c.example/index.html", None, ["utm_*"]) == [
        "https://c.example/cpt/99213",
        "https://other.example/",
        "https://c.example/cpt/99214",
    ]
    nofollow = b'<html><head><meta name="ROBOTS" content="noindex, nofollow"></head><a href="/a">a</a></html>'
    assert extract_links(nofollow, "https://c.example/", None, []) == []
    assert extract_links(b"", "https://c.example/", "windows-1252", []) == []


def test_public_addresses() -> None:
    for ip in (
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
    ):
        assert not is_public_address(ip), ip
    assert is_public_address("93.184.216.34") and is_public_address("2606:4700::1111")


def test_jsonl_log_repairs_partial_line(tmp_path: Path) -> None:
    path = tmp_path / "manifest.jsonl"
    path.write_bytes(b'{"url": "a"}\n{"url": "b", "tru')
    log = JsonlLog(path)
    log.append({"url": "c"})
    log.close()
    assert [e["url"] for e in read_jsonl(path)] == ["a", "c"]


def test_config_file_and_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "scrape.toml"
    toml.write_text('[scrape]\nstart = ["https://c.example/cpt/"]\nmin_delay = 2.5\nuser_agent = "file-bot/1"\n')
    config = load_config(toml, min_delay=0.5, allow=None)
    assert (config.min_delay, config.user_agent, config.per_host_concurrency) == (0.5, "file-bot/1", 2)
    assert config.follow and ScrapeConfig(sitemap=["https://c.example/s.xml"]).follow is False
    defaults = ScrapeConfig(start=["https://c.example/"])
    assert (defaults.min_delay, defaults.max_retries, defaults.max_bytes, defaults.allow_private_addresses) == (
        1.0,
        3,
        5 * 1024 * 1024,
        False,
    )
    for bad, message in (
        (dict(), "give at least one"),
        (dict(start=["ftp://x"]), "start"),
        (dict(start=["https://c.example/"], min_delay=-1), "min_delay"),
        (dict(start=["https://c.example/"], bogus=1), "bogus"),
    ):
        with pytest.raises(ConfigError, match=message) as err:
            load_config(None, **bad)
        assert "\n" not in str(err.value)
    toml.write_text("start = [")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(toml)
