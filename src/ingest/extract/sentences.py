"""Text fields stated in one sentence of the page ("A routine EEG takes 45-60 minutes."), found
by per-language cues (data/lang/<code>.toml [sentences]) when no heading names the field."""

from __future__ import annotations

import re

from ingest.extract.lang import LangData
from ingest.parse.blocks import Block, BlockKind

# A sentence ends at . ! ? followed by space and an opening capital, digit or quote.
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"“«¿¡'(]?[A-ZÀ-ÖØ-Þ0-9])")
MAX_WORDS = 60  # a longer "sentence" is an unsplit paragraph, not a statement to copy


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph (split at end punctuation before a capital)."""
    return [s.strip() for s in _SPLIT.split(text) if s.strip()]


def stated_sentence(blocks: list[Block], langs: list[LangData], field: str) -> str | None:
    """The first sentence of a paragraph or list item matching one of `field`'s cues."""
    patterns = [p for lg in langs for p in (lg.sentences or {}).get(field, ())]
    if not patterns:
        return None
    for b in blocks:
        if b.kind not in (BlockKind.PARAGRAPH, BlockKind.ITEM):
            continue
        if not any(p.search(b.text) for p in patterns):
            continue
        for sentence in sentences(b.text):
            if len(sentence.split()) <= MAX_WORDS and any(p.search(sentence) for p in patterns):
                return sentence
    return None
