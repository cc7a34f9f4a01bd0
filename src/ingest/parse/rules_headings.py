"""Normalization rules that make headings: accordion/tab/toggle titles, CSS-bold lines, <b>Title<br></b>."""

from __future__ import annotations

import re

from lxml import etree

from ingest.parse.markup import (
    FORM,
    HEADINGS,
    MarkupRules,
    has_blocks,
    make_heading,
    in_heading,
    remove_keep_tail,
    short_text,
    class_words,
)
from ingest.parse.text import looks_like_heading


# -- rule: accordion / tab / toggle titles -> headings ---------------------------------------

def titles(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """Accordion, tab and toggle titles (and details > summary) become headings of form
    "accordion"; a tab title whose panel is in the page moves to the start of that panel."""
    for el in candidates:
        if el.getparent() is None or not isinstance(el.tag, str):
            continue
        words = class_words(el)
        values = " ".join((el.get(a) or "") for a in ("data-toggle", "data-bs-toggle")).lower()
        is_tab = el.get("role") == "tab" or bool({"tab", "pill"} & set(values.split()))
        if not is_tab and (words & r.exclude_words or set(values.split()) & r.exclude_words):
            continue  # a menu or dialog toggle (a tab list is often styled as "nav")
        context = words | class_words(el.getparent())
        toggled = any(el.get(a) is not None for a in r.toggle_attrs) or el.get("role") == "tab"
        if el.tag == "summary":
            is_title = True
        elif el.tag == "button" or toggled:
            is_title = bool(context & r.container_words) or toggled
        else:
            is_title = bool(words & r.container_words and words & r.title_words)
        if not is_title:
            continue
        text = short_text(el, r.title_max_chars)
        if not text or el.tag in HEADINGS:
            continue
        if in_heading(el):
            el.tag = "span"  # a button inside a real heading: keep its text, the heading stays
            continue
        if any(d.tag in HEADINGS for d in el.iterdescendants()) or _has_blocks_beyond_inline(el):
            continue
        panel = _panel(content, el)
        if panel is not None:
            h = etree.Element("h6", {FORM: "accordion"})
            h.text = text
            h.tail = panel.text
            panel.text = None
            panel.insert(0, h)
            remove_keep_tail(el)
        else:
            make_heading(el, "accordion")


def _has_blocks_beyond_inline(el: etree._Element) -> bool:
    return any(isinstance(d.tag, str) and d.tag in ("p", "ul", "ol", "table", "li", "dl") for d in el.iterdescendants())


_ID_XPATH = etree.XPath(".//*[@id=$i]")


def _panel(content: etree._Element, el: etree._Element) -> etree._Element | None:
    """The tab panel a tab title points to (aria-controls, data-target, href="#id"), when it is
    not where the title already stands."""
    if el.get("role") != "tab" and "tab" not in (el.get("data-toggle") or el.get("data-bs-toggle") or ""):
        return None
    ref = el.get("aria-controls") or el.get("data-bs-target") or el.get("data-target") or el.get("href") or ""
    ref = ref.strip().lstrip("#")
    if not ref or not re.fullmatch(r"[\w:.-]+", ref):
        return None
    found = _ID_XPATH(content, i=ref)
    if not found:
        return None
    panel = found[0]
    if panel is el or any(a is panel for a in el.iterancestors()):
        return None
    return panel


# -- rule: CSS-bold short lines -> headings --------------------------------------------------

def css_bold(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """A short p/div made bold or heading-like by class words or inline style becomes a heading
    of form "bold" (a span only when it is the whole content of its parent line)."""
    for el in candidates:
        if el.getparent() is None or el.get(FORM):
            continue
        words = class_words(el)
        if not (words & r.bold_words or r.bold_style.search(el.get("style") or "")
                or any(w.endswith(r.bold_endings) for w in words)):
            continue
        if el.tag == "span":
            parent = el.getparent()
            if (parent is None or parent.tag not in ("div", "td", "section") or (parent.text or "").strip()
                    or (el.tail or "").strip() or len(parent) != 1):
                continue
        text = short_text(el, r.bold_max_chars)
        if not text or not looks_like_heading(text) or has_blocks(el):
            continue
        if in_heading(el) or any(a.tag in ("li", "a", "button", "p") for a in el.iterancestors()):
            continue
        make_heading(el, "bold")


# -- rule: <strong>Label<br></strong> -> the <br> after the bold ----------------------------

def bold_br(brs: list) -> None:
    """Move a <br> that ends a bold/span run out after it, so the run reads as a line of its own."""
    for br in brs:
        parent = br.getparent()
        if parent is None or parent.tag not in ("b", "strong", "span", "em", "font") or parent[-1] is not br:
            continue
        if (br.tail or "").strip():
            continue
        grand = parent.getparent()
        if grand is None:
            continue
        parent.remove(br)
        br.tail = parent.tail
        parent.tail = None
        grand.insert(grand.index(parent) + 1, br)
