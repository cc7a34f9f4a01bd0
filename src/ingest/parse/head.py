"""Head metadata of an lxml document: <title>, canonical URL, selected <meta>, JSON-LD, language."""

from __future__ import annotations

import json
import re
from itertools import islice

from lxml import etree

from ingest.parse.tree import text_of
from ingest.parse.blocks import ParsedPage, clean_text

META_KEYS = ("description", "article:modified_time", "article:published_time", "og:updated_time",
             "last-modified", "dcterms.modified", "date", "og:type", "og:site_name")
_LANG = re.compile(r"^\s*([a-z]{2,3})(?:$|[-_\s,;])", re.I)


def read_head(root: etree._Element, page: ParsedPage) -> None:
    """Fill page's head fields (head_title, canonical_url, og_*, meta, json_ld, language) from root."""
    title = root.find(".//title")
    if title is not None:
        page.head_title = clean_text(text_of(title)) or None
    for link in root.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            page.canonical_url = link.get("href").strip()
            break
    languages: dict[str, str] = {"html": root.get("lang") or root.get("xml:lang") or ""}
    for meta in root.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = meta.get("content")
        if value is None:
            continue
        if not key:
            if (meta.get("http-equiv") or "").strip().lower() == "content-language":
                languages.setdefault("content-language", value)
            continue
        if key == "og:url":
            page.og_url = value.strip()
        elif key == "og:title":
            page.og_title = clean_text(value)
        elif key in ("og:locale", "language", "content-language"):
            languages.setdefault(key, value)
        if key in META_KEYS:
            page.meta.setdefault(key, value.strip())
    page.language = _language(languages)
    for script in root.iterfind(".//script[@type]"):
        if script.get("type", "").strip().lower() == "application/ld+json" and script.text:
            page.json_ld.extend(json_ld_objects(script.text))


# Breadcrumb trails: elements with an attribute naming them (class, id, aria-label, itemtype
# BreadcrumbList), found from the word's places in the page's text (an XPath over every element or
# attribute costs several times more); at most this many places are looked at.
TRAIL_PLACES = 6
_TAG_NAME = re.compile(r"<([a-zA-Z][\w-]*)\s")
TRAIL_MAX = 8  # items of a breadcrumb trail at most
_NOT_TRAILS = frozenset({"html", "body", "head", "link", "script", "style", "meta", "img", "input"})
_TRAIL_SEPARATORS = re.compile(r"^[\s>»›/|\\\u2192\u00bb\u203a-]+|[\s>»›/|\\\u2192\u00bb\u203a-]+$")


def read_title_candidates(root: etree._Element, page: ParsedPage, text: str = "") -> None:
    """Title candidates that pruning removes: every <h1> of the document (a page title in a banner or
    breadcrumb container) and the last item of the first breadcrumb trail (HTML or JSON-LD);
    `text`: the page's markup, where the trail is looked for."""
    page.h1s = tuple(t for h in root.iter("h1") if (t := clean_text(text_of(h))))
    for trail in _trails(root, text):
        # At most TRAIL_MAX items (a container marked on <body> holds the page's every list).
        parts = list(islice(trail.iter("li"), TRAIL_MAX + 1)) or \
            [el for el in islice(trail.iter("a", "span"), 2 * TRAIL_MAX + 1) if not len(el)]
        if len(parts) > TRAIL_MAX * (1 if parts and parts[0].tag == "li" else 2):
            continue
        items = [t for el in parts if (t := _TRAIL_SEPARATORS.sub("", clean_text(text_of(el))))]
        if 2 <= len(items) <= TRAIL_MAX:
            page.breadcrumb = items[-1]
            return
    for obj in page.json_ld:
        if obj.get("@type") == "BreadcrumbList" and isinstance(obj.get("itemListElement"), list) and obj["itemListElement"]:
            last = obj["itemListElement"][-1]
            name = last.get("name") or (last.get("item") or {}).get("name") if isinstance(last, dict) else None
            if isinstance(name, str) and name.strip():
                page.breadcrumb = clean_text(name)
                return


def _trails(root: etree._Element, text: str):
    """Elements whose class, id or other attribute says "breadcrumb", in page order: the tag around
    each place the word stands inside a start tag, then that tag's elements carrying the word."""
    seen: set[str] = set()
    at = text.find("readcrumb")
    places = 0
    while at >= 0 and places < TRAIL_PLACES:
        places += 1
        start = text.rfind("<", 0, at)
        m = _TAG_NAME.match(text, start) if start >= 0 and ">" not in text[start:at] else None
        tag = m[1].lower() if m else None
        if tag and tag not in _NOT_TRAILS and tag not in seen:
            seen.add(tag)
            for el in root.iter(tag):
                if any("readcrumb" in v for v in el.attrib.values()):
                    yield el
        at = text.find("readcrumb", at + 9)


def _language(declared: dict[str, str]) -> str | None:
    """The first declared language, as a lower-case primary subtag: <html lang>, og:locale, content-language."""
    for key in ("html", "og:locale", "content-language", "language"):
        m = _LANG.match(declared.get(key) or "")
        if m:
            return m[1].lower()
    return None


def json_ld_objects(raw: str) -> list[dict]:
    """Every JSON object in a JSON-LD script (lists and @graph flattened; at most 50)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    found: list[dict] = []
    stack = [data]
    while stack and len(found) < 50:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            found.append(item)
            if isinstance(item.get("@graph"), list):
                stack.extend(reversed(item["@graph"]))
    return found
