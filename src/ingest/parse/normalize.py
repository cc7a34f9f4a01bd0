"""Normalization: rewrite site markup into the small canonical vocabulary the walker reads.

Runs on the lxml content root after invisible content and site chrome are pruned, while class
attributes, buttons, svg and img are still there (prune.drop_late and slim remove them after),
driven by data/markup.toml (cf. trafilatura's htmlprocessing.convert_tags). The canonical
vocabulary:

- headings: h1-h6; canonicalised ones are <h6 data-ingest-form="accordion|bold|span-br">
  (the walker gives them the level below the last real heading);
- lists: ul/ol/li (typed bullets and numbers stripped, ol/@start kept);
- label/value pairs: dl/dt/dd;
- a bold label opening a p/li: data-ingest-label on that p/li.

Rules (one fixture each in tests/fixtures/normalize), applied in this order:
rules_headings (titles, css_bold, bold_br), rules_lines (lines, typed_paragraphs),
rules_blocks (cards, icon_runs, tables, list_children, items_and_labels). Their candidates
are collected in one pass over the tree (cheaper than one XPath per rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from ingest.parse.markup import HEADINGS, MarkupRules, markup_rules
from ingest.parse.rules_blocks import cards, icon_runs, items_and_labels, list_children, tables
from ingest.parse.rules_headings import bold_br, css_bold, titles
from ingest.parse.rules_lines import lines, question_paragraphs, typed_paragraphs

__all__ = ["normalize", "markup_rules", "MarkupRules"]


def normalize(content: etree._Element, rules: MarkupRules | None = None) -> None:
    """Rewrite content in place into the canonical vocabulary (see the module docstring)."""
    r = rules or markup_rules()
    c = _collect(content, r)
    titles(content, r, c.titles)
    css_bold(content, r, c.bold)
    bold_br(c.brs)
    lines(content, r, c.brs, c.paragraphs)
    typed_paragraphs(r, c.paragraphs)
    question_paragraphs(r, c.paragraphs)
    cards(content, r, c.card_heads)
    icon_runs(content, r, c.icons)
    tables(content, r, c.tables)
    list_children(c.lists)
    items_and_labels(content, r)


@dataclass
class _Candidates:
    titles: list
    bold: list
    brs: list
    paragraphs: list
    card_heads: list
    icons: list
    tables: list
    lists: list


def _collect(content: etree._Element, r: MarkupRules) -> _Candidates:
    """Every rule's candidate elements, in one pass over the (pruned) tree: cheaper than one
    XPath per rule."""
    c = _Candidates([], [], [], [], [], [], [], [])
    toggles = r.toggle_set
    for el in content.iter(etree.Element):  # elements only (no comments)
        tag = el.tag
        if tag == "br":
            c.brs.append(el)
            continue
        cls = el.get("class")
        if tag == "button" or tag == "summary" or (cls and _hits(r.container_re, cls)):
            c.titles.append(el)
        else:
            keys = el.keys()
            if keys and not toggles.isdisjoint(keys):
                c.titles.append(el)
        if tag == "p" or tag == "div" or tag == "span":
            if (cls and _hits(r.bold_re, cls)) or "font-weight" in (el.get("style") or ""):
                c.bold.append(el)
            if tag == "p":
                c.paragraphs.append(el)
        if tag in HEADINGS and tag != "h1":
            c.card_heads.append(el)
        elif tag == "table":
            c.tables.append(el)
        elif tag == "ul" or tag == "ol":
            c.lists.append(el)
        if tag in r.icon_tags and el.getprevious() is None:
            c.icons.append(el)
    return c


@lru_cache(maxsize=16384)
def _hits(pattern, cls: str) -> bool:
    """Whether a class attribute holds one of the pattern's words (cached: a site repeats its
    class attributes, and case-insensitive searches are slow)."""
    return pattern.search(cls) is not None
