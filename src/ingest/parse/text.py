"""Plain-text exports -> blocks, segmented by lines.

Exports keep one block per line: bullets ("•", "-", "*") and numbers ("1.") mark list
items, lines with pipes are table rows, short unpunctuated lines are heading
candidates, blank-line runs are kept as gaps (they separate blocks whose headings
were lost).
"""

from __future__ import annotations

import re

from ingest.parse.blocks import Block, BlockKind, ParsedPage, clean_text

_BULLET = re.compile(r"^\s*[•·▪◦●○■□➢►\-\*–—]\s+(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^\s*(?P<n>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING_MAX_WORDS = 12


def looks_like_heading(text: str) -> bool:
    """A short line without sentence punctuation at its end."""
    if not text or text[-1] in ".,;" or len(text) > 120:
        return False
    return len(text.split()) <= _HEADING_MAX_WORDS


def parse_text(text: str) -> ParsedPage:
    """Segment a plain-text export into blocks."""
    blocks: list[Block] = []
    gap = 0
    list_id = 0
    prev_item: Block | None = None
    for raw_line in text.replace("\x00", "").splitlines():
        line = clean_text(raw_line)
        if not line:
            gap += 1
            continue
        block = _line_block(raw_line, line)
        if block is None:
            gap = 0
            continue
        block.gap_before = gap
        if block.kind is BlockKind.ITEM:
            ordered = block.ordinal is not None
            same_list = (prev_item is not None and gap == 0 and blocks and blocks[-1] is prev_item
                         and (prev_item.ordinal is not None) == ordered)
            if not same_list:
                list_id += 1
            block.list_id = list_id
            prev_item = block
        blocks.append(block)
        gap = 0
    title = next((b.text for b in blocks if b.kind is not BlockKind.ROW), None)
    return ParsedPage(blocks=blocks, title=title, text_format="text")


def _line_block(raw_line: str, line: str) -> Block | None:
    if _TABLE_RULE.match(line):
        return None
    if line.count("|") >= 2 or (line.count("|") == 1 and line.endswith("|")):
        cells = tuple(clean_text(c) for c in line.strip("|").split("|"))
        return Block(BlockKind.ROW, line, cells=cells)
    m = _BULLET.match(raw_line)
    if m:
        return Block(BlockKind.ITEM, clean_text(m["text"]))
    m = _NUMBERED.match(raw_line)
    if m:
        return Block(BlockKind.ITEM, clean_text(m["text"]), ordinal=int(m["n"]))
    if looks_like_heading(line):
        return Block(BlockKind.HEADING, line, form="line")
    return Block(BlockKind.PARAGRAPH, line)
