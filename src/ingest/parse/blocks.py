"""The block stream shared by HTML and text-export parsing.

A page becomes an ordered list of blocks (heading, paragraph, list item, table
row), so one section extractor serves every input format.
"""

from __future__ import annotations

import re
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
    form: str = ""  # how a heading was marked: h2, bold, dt, summary, line
    list_id: int | None = None  # items of one list share an id
    ordinal: int | None = None  # 1-based number of an ordered-list item
    cells: tuple[str, ...] = ()  # table row cells
    header: bool = False  # table header row
    gap_before: int = 0  # text exports: blank lines before this block


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


_WS = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Collapse whitespace (incl. NBSP) to single spaces and strip."""
    return _WS.sub(" ", text.replace("\u00a0", " ")).strip()
