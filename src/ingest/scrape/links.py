"""Link discovery on HTML pages (lxml.html)."""

from __future__ import annotations

from typing import Iterable

import lxml.etree
import lxml.html

from .urls import resolve


def extract_links(body: bytes, page_url: str, encoding: str | None, tracking: Iterable[str]) -> list[str]:
    """Canonical absolute http(s) URLs of <a>/<area> hrefs, in document order, without repeats.

    Honours <base href> and returns nothing if a robots meta tag says nofollow.
    """
    tracking = list(tracking)
    try:
        parser = lxml.html.HTMLParser(encoding=encoding) if encoding else None
        doc = lxml.html.document_fromstring(body, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, LookupError, ValueError):
        return []
    for content in doc.xpath("//meta[translate(@name,'ROBTS','robts')='robots']/@content"):
        if "nofollow" in content.lower() or "none" in content.lower():
            return []
    base = page_url
    for href in doc.xpath("//base/@href")[:1]:
        base = resolve(page_url, href, tracking) or page_url
    found: dict[str, None] = {}
    for href in doc.xpath("//a/@href | //area/@href"):
        url = resolve(base, href, tracking)
        if url is not None:
            found[url] = None
    return list(found)
