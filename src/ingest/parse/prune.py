"""Content root and pruning on the lxml tree: invisible content, site chrome, then slimming.

Order in parse_html: content_root -> prune (invisible content and chrome) -> normalize
(normalize.py) -> drop_late (buttons, svg, img, read by the normaliser) -> slim.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from ingest.parse.chrome import ChromeRules
from ingest.parse.tree import remove_keep_tail, text_of

_ROOT_CANDIDATE_TAGS = ("main", "article", "body", "div", "section")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
# Inline styles that hide an element (display:none, visibility:hidden).
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
# Elements that may be chrome beyond their tag name: the only ones _is_chrome inspects.
_CANDIDATES = etree.XPath(".//*[@class or @id or @role or @hidden or @aria-hidden or @style or self::header]")
# A class/id-token chrome match is overruled for a container that holds at least this share
# of the content root's text with few links (e.g. class="blog-detailed-sidebar" around the article).
_MAIN_SHARE = 0.5
# A content-root candidate must hold at least this share of the body's text.
_ROOT_SHARE = 0.2
_MAX_LINK_DENSITY = 0.3
_WITH_ATTRIBUTES = etree.XPath("descendant-or-self::*[@*]")
# Attributes that survive slimming: ol/@start and the normaliser's canonical markers.
KEEP_ATTRS = ("start", "data-ingest-form", "data-ingest-label", "data-ingest-level")


def content_root(root: etree._Element, rules: ChromeRules) -> etree._Element | None:
    """The first element of the highest-priority content-root rule that holds a fair share of
    the page's text (a first <article> that is one card of many is not the content), found in
    one pass over the container elements (XPath over the whole document costs ~10x more)."""
    checks = rules.content_root_checks
    firsts: list = [None] * len(checks)
    for el in root.iter(*_ROOT_CANDIDATE_TAGS):
        for rank in range(len(checks)):
            if firsts[rank] is None and checks[rank](el):
                firsts[rank] = el
                break
        if firsts[0] is not None:
            break
    found = [el for el in firsts if el is not None]
    if len(found) <= 1:
        return found[0] if found else None
    total = None
    for el in found[:-1]:
        if total is None:
            body = found[-1] if found[-1].tag == "body" else root
            total = len(text_of(body))
        if len(text_of(el)) >= total * _ROOT_SHARE:
            return el
    return found[-1]



def _chrome_by(el: etree._Element, rules: ChromeRules) -> str:
    """Why el is chrome or invisible: 'tag', 'role', 'hidden', 'tokens', or '' when it is neither."""
    tag = el.tag
    if not isinstance(tag, str):
        return "tag"  # comments, processing instructions
    if tag in rules.drop_tags:
        return "tag"
    if tag == "header" and el.find(".//h1") is None:
        return "tag"
    if el.get("hidden") is not None:
        return "hidden"
    if (el.get("aria-hidden") or "").strip().lower() == "true" and (len(el) or len((el.text or "").strip()) > 2):
        return "hidden"  # but an empty decorative icon, which marks a list row for the normaliser
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return "hidden"
    role = el.get("role")
    if role:
        role = role.lower()
        if role in rules.keep_roles:
            return ""
        if role in rules.drop_roles:
            return "role"
    attrs = f"{el.get('class', '')} {el.get('id', '')}".lower()
    if not attrs.strip():
        return ""
    # A keep token overrules a drop token only within one class name or id ("entry-footer"), not
    # across names ("pi-section footer-wrap" is a footer).
    why = ""
    for name in attrs.split():
        verdict = _name_verdict(name, rules.drop_tokens, rules.keep_tokens)
        if verdict == "keep":
            return ""
        if verdict:
            why = "tokens"
    return why


@lru_cache(maxsize=16384)
def _name_verdict(name: str, drop_tokens: frozenset[str], keep_tokens: frozenset[str]) -> str:
    """'drop' when one class name or id holds a drop token, 'keep' when it also holds a keep token,
    else '' (cached: sites repeat their class names)."""
    tokens = set(_TOKEN_SPLIT.split(name))
    if tokens & drop_tokens:
        return "keep" if tokens & keep_tokens else "drop"
    return ""


def prune(content: etree._Element, rules: ChromeRules) -> None:
    """Remove what a browser does not show (comments, <template>, [hidden], aria-hidden="true",
    inline display:none / visibility:hidden) and site chrome (data/chrome.toml), keeping text
    that followed a removed element."""
    _salvage(content, rules)
    etree.strip_elements(content, *rules.drop_tags, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    total = None
    doomed = []
    for el in _CANDIDATES(content):
        cls = el.get("class")
        if cls and "material" in cls and not rules.icon_font_classes.isdisjoint(cls.lower().split()):
            for child in list(el):
                remove_keep_tail(child, keep_blank_tail=False)
            el.text = None  # a ligature icon: its text is a glyph name, not visible words
            continue
        why = _chrome_by(el, rules)
        if not why:
            continue
        if why == "tokens" and _under_kept_role(el, rules):
            continue
        if why == "tokens" and el.tag in ("div", "section", "article"):
            if total is None:
                total = len(text_of(content)) or 1
            if _holds_main_text(el, total):
                continue
        doomed.append(el)
    for el in doomed:
        remove_keep_tail(el, keep_blank_tail=False)


def _salvage(content: etree._Element, rules: ChromeRules) -> None:
    """Unbalanced markup (a <nav> whose inner <div>s are never closed) makes libxml2 nest the rest
    of the page inside that chrome element, where a browser would have closed it. A chrome-tag
    element (rules.salvage_tags) holding most of the content's text with few links is such a
    swallowing: it becomes a plain <div>, and along the chain of descendants that hold most of
    the text, the link-dense blocks before them (the chrome's own menus) are dropped."""
    total = None
    for el in list(content.iter(*rules.salvage_tags)):
        if total is None:
            total = len(text_of(content)) or 1
        if not _holds_main_text(el, total):
            continue
        el.tag = "div"
        node = el
        while node is not None:
            main = None
            before = []
            for child in node:
                if isinstance(child.tag, str) and len(text_of(child)) >= total * _MAIN_SHARE:
                    main = child
                    break
                before.append(child)
            if main is None:
                break
            for child in before:
                if isinstance(child.tag, str) and _link_dense(child):
                    remove_keep_tail(child, keep_blank_tail=False)
            node = main


def _link_dense(el: etree._Element) -> bool:
    text = len(text_of(el))
    return bool(text) and sum(len(text_of(a)) for a in el.iter("a")) > text * _MAX_LINK_DENSITY


def drop_late(content: etree._Element, rules: ChromeRules) -> None:
    """Drop the chrome tags the normaliser reads first (buttons, svg, img)."""
    etree.strip_elements(content, *rules.late_drop_tags, with_tail=False)


def _under_kept_role(el: etree._Element, rules: ChromeRules) -> bool:
    """True when el sits (within two levels) in a tab list or tab panel."""
    parent = el.getparent()
    for _ in range(2):
        if parent is None:
            return False
        if (parent.get("role") or "").lower() in rules.keep_roles:
            return True
        parent = parent.getparent()
    return False


def _holds_main_text(el: etree._Element, total: int) -> bool:
    text = len(text_of(el))
    if text < total * _MAIN_SHARE:
        return False
    links = sum(len(text_of(a)) for a in el.iter("a"))
    return links <= text * _MAX_LINK_DENSITY


def slim(content: etree._Element, block_tags: frozenset[str]) -> None:
    """Drop what BeautifulSoup would only pay for: attributes (but KEEP_ATTRS) and
    whitespace-only text between block elements (about half of all text nodes)."""
    for el in _WITH_ATTRIBUTES(content):  # (XPath picks the few elements that have any)
        attrib = el.attrib
        kept = [(k, attrib[k]) for k in KEEP_ATTRS if k in attrib]
        attrib.clear()
        for k, v in kept:
            el.set(k, v)
    for el in content.iter(*block_tags):
        if el.tail is not None and not el.tail.strip():
            el.tail = None
        if el.text is not None and len(el) and el[0].tag in block_tags and not el.text.strip():
            el.text = None
