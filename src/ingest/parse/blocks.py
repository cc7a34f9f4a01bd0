"""The block stream shared by HTML and text-export parsing.

A page becomes an ordered list of blocks (heading, paragraph, list item, table
row), so one section extractor serves every input format.

Canonical forms produced by HTML parsing (after the normalization step):

- HEADING ``form``: "h1".."h6" (real heading tags), "bold" (a paragraph or line that
  is only bold text, ``<strong>Label<br></strong>``), "accordion" (accordion / tab /
  toggle / collapse title, ``details > summary``), "dt" (definition term, and the
  label cell of a two-column label/value table), "span-br" (a title span/strong
  followed by ``<br>``, or a one-sentence question line opening a ``<br>``-split paragraph),
  "question" (a ``<p>`` that is one short question followed by more content), "line" (text exports). ``level`` is the heading level; for
  canonicalised headings the normaliser infers it (one below the surrounding real
  heading), 0 when unknown.
- ``label``: a bold/strong label opening a paragraph or list item ("<b>Risks:</b> text"),
  without its trailing colon/dash; ``text`` keeps the full visible text, label included.
- Lists: ``ul``/``ol`` items, ``<br>``-separated typed-bullet or typed-number lines,
  ``<br>``-separated bold-label lines after a lead-in line ending with ':',
  runs of icon blocks or small cards, lists nested in ``p`` all come out as ITEM
  blocks sharing a ``list_id`` (typed bullets/numbers stripped; ``ordinal`` set for
  numbered ones).
- Two-column label/value tables come out as HEADING(form="dt") + PARAGRAPH pairs,
  exactly like a ``<dl>``.
- Invisible content (comments, ``<template>``, ``[hidden]``, ``aria-hidden="true"``,
  inline ``display:none`` / ``visibility:hidden``) never becomes a block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class BlockKind(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    ITEM = "item"
    ROW = "row"


@dataclass(slots=True)
class Block:
    """One unit of page content in reading order."""

    kind: BlockKind
    text: str
    level: int = 0  # heading level 1-6; 0 = unknown (bold paragraph, text-export line)
    form: str = ""  # how a heading was marked: h1-h6, bold, accordion, dt, span-br, line
    list_id: int | None = None  # items of one list share an id
    ordinal: int | None = None  # 1-based number of an ordered-list item
    cells: tuple[str, ...] = ()  # table row cells
    header: bool = False  # table header row
    gap_before: int = 0  # text exports: blank lines before this block
    label: str = ""  # bold label opening a paragraph/item, without trailing colon/dash


@dataclass(slots=True)
class ParsedPage:
    """A page reduced to its main-content blocks plus head metadata."""

    blocks: list[Block]
    title: str | None = None  # <h1> / first line
    head_title: str | None = None  # <title>
    canonical_url: str | None = None
    og_url: str | None = None
    og_title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)  # selected <meta> name/property -> content
    json_ld: list[dict] = field(default_factory=list)
    text_format: str = "html"  # html | text
    markup_truncated: bool = False  # HTML that stops inside an open table, list or paragraph
    language: str | None = None  # declared by markup (<html lang>, og:locale, content-language): "en", "de"
    h1s: tuple[str, ...] = ()  # every <h1> of the document, chrome included (title candidates; read before pruning)
    breadcrumb: str | None = None  # the last item of the page's breadcrumb trail (read before pruning)
    path: str = ""  # the page's file path (its name is the URL slug when there is no canonical URL)


def clean_text(text: str) -> str:
    """Collapse whitespace (incl. NBSP) to single spaces and strip."""
    return " ".join(text.split())  # (str.split's whitespace is the regex's \s, NBSP included; ~10x faster)
