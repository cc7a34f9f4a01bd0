"""Plain-text exports -> blocks, segmented by lines.

Exports keep one block per line: bullets ("•", "-", "*") and numbers ("1.") mark list
items, lines with pipes are table rows, short unpunctuated lines are heading
candidates, blank-line runs are kept as gaps (they separate blocks whose headings
were lost).
"""

from __future__ import annotations

import re

from ingest.parse.blocks import Block, BlockKind, ParsedPage, clean_text
from ingest.parse.markup import markup_rules

_NUMBERED = re.compile(r"^\s*(?P<n>\d{1,3})[.)]\s+(?P<text>\S.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING_MAX_WORDS = 12  # a plain export line, which no markup marks, must also be this short
_NOT_HEADING_ENDS = ".,;"  # a line ending a sentence or clause is text


def looks_like_heading(text: str, max_words: int | None = None) -> bool:
    """The one test of heading shape, for bold lines, CSS-styled titles and export lines alike: short
    (markup.toml [bold] max_chars; and at most max_words words when given) and not ending a sentence."""
    return bool(text) and text[-1] not in _NOT_HEADING_ENDS and len(text) <= markup_rules().bold_max_chars \
        and (max_words is None or len(text.split()) <= max_words)


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
    m = markup_rules().typed_bullet.match(raw_line)  # the glyph set of markup.toml [lines], as in HTML
    if m and raw_line[m.end():].strip():
        return Block(BlockKind.ITEM, clean_text(raw_line[m.end():]))
    m = _NUMBERED.match(raw_line)
    if m:
        return Block(BlockKind.ITEM, clean_text(m["text"]), ordinal=int(m["n"]))
    if looks_like_heading(line, _HEADING_MAX_WORDS):
        return Block(BlockKind.HEADING, line, form="line")
    return Block(BlockKind.PARAGRAPH, line)
