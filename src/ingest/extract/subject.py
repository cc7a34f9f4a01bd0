"""The page's own subject, section after section: how many sections under the title keep naming it,
in any language (a word of the title recurs by its first letters)."""

from __future__ import annotations

import re

from ingest.extract.lang import LangData, specific_words
from ingest.parse.blocks import BlockKind, ParsedPage

SUBJECT_PREFIX = 6  # a word of the title and a word of the body name the same subject when they share this prefix
WORD = re.compile(r"[^\W\d_]{4,}")


def sections_on_subject(page: ParsedPage, title: str, langs: list[LangData]) -> int:
    """How many sections under the title (a heading with its content, and the lead before the first
    heading) speak of the title's subject: a word of the title's own (not a generic procedure word such
    as "surgery", and from four letters) recurs in the section's heading or text, by its first letters
    ("Endodontie" ... "endodontia"), in any language. A page about one procedure keeps naming it
    section after section; an overview names other things."""
    own = {w.lower() for w in WORD.findall(title)}
    prefixes = {w[:SUBJECT_PREFIX] for w in specific_words(own, langs)}
    if not prefixes:
        return 0
    blocks = page.blocks
    start = next((i + 1 for i, b in enumerate(blocks) if b.kind is BlockKind.HEADING and b.text == title), 0)
    sections = mentioned = 0
    has_content = False
    for b in blocks[start:]:
        if b.kind is BlockKind.HEADING:
            sections += has_content and mentioned
            has_content, mentioned = False, False
        else:
            has_content = True
        if not mentioned:
            mentioned = any(w[:SUBJECT_PREFIX] in prefixes for w in WORD.findall(b.text.lower()))
    return sections + (has_content and mentioned)
