"""Hardened sitemap parsing (urlset, sitemapindex, plain-text lists; gzip by content)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .decompress import GZIP_MAGIC, DecodeError, decode_all

#: The sitemaps protocol caps a sitemap at 50,000 URLs; more are ignored.
MAX_SITEMAP_URLS = 50_000
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


class HostileXML(Exception):
    """The document declares entities (XXE / entity-expansion attempt)."""


class BadSitemap(Exception):
    """The document is not a usable sitemap."""


@dataclass
class Sitemap:
    """Locations listed by one sitemap: pages (urlset) or child sitemaps (sitemapindex)."""

    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, limit: int) -> Sitemap:
    """Parse a sitemap body; gzip content is inflated incrementally up to `limit` bytes.

    Raises HostileXML for entity declarations, DecodeLimitExceeded for a bomb,
    BadSitemap for anything else unusable.
    """
    if body.startswith(GZIP_MAGIC):
        try:
            body = decode_all(body, "gzip", limit)
        except DecodeError as exc:
            raise BadSitemap(str(exc)) from exc
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"http://", b"https://")):
        return _parse_text(head)
    if _ENTITY_DECL.search(body):
        raise HostileXML("document declares entities")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise BadSitemap(f"invalid XML: {exc}") from exc
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        raise HostileXML("document declares entities")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise BadSitemap(f"root element {kind!r} is not urlset or sitemapindex")
    result = Sitemap()
    target = result.pages if kind == "urlset" else result.sitemaps
    for entry in root:
        if len(target) >= MAX_SITEMAP_URLS:
            break
        for child in entry:
            if _local(child.tag) == "loc" and child.text and child.text.strip():
                target.append(child.text.strip())
    return result


def _parse_text(body: bytes) -> Sitemap:
    lines = body.decode("utf-8", errors="replace").splitlines()
    urls = [s for line in lines if (s := line.strip()) and s.startswith(("http://", "https://"))]
    return Sitemap(pages=urls[:MAX_SITEMAP_URLS])
