"""Shapes of the block stream that decide where a section starts or ends, beyond heading wording:
a sentence styled as a heading, a list whose item labels name its field ("Step 01"), a label/value grid,
an eyebrow (a short kicker line over a heading), a step marker ("02", "Step 3")."""

from __future__ import annotations

import re

from ingest.extract.vocabulary import Vocabulary
from ingest.parse.blocks import Block, BlockKind

SENTENCE_MIN_WORDS = 13  # a heading of this many words ending a sentence is styled text, not a heading


def is_sentence(text: str) -> bool:
    """A whole sentence styled as a heading ("Know when to stop eating ... before surgery.")."""
    text = text.rstrip()
    return text.endswith((".", "!")) and len(text.split()) >= SENTENCE_MIN_WORDS


def labelled_list(blocks: list[Block], index: int, vocab: Vocabulary) -> str | None:
    """The list field named by the labels of every item under the heading at index ("Step 01",
    "Step 02", ... cards under "Compassionate care at every step"), or None."""
    names = set()
    items = 0
    for b in blocks[index + 1:]:
        if b.kind is BlockKind.HEADING:
            break
        if b.kind is BlockKind.ITEM:
            items += 1
            names.add(vocab.match(b.label) if b.label else None)
    name = names.pop() if items >= 2 and len(names) == 1 else None
    return name if name is not None and vocab.section(name).kind == "list" else None


GRID_VALUE_MAX_WORDS = 4
_SENTENCE_END = re.compile(r"[.!?:]\s*$")


def _grid_value(blocks: list[Block], index: int) -> bool:
    b = blocks[index] if 0 <= index < len(blocks) else None
    return b is not None and b.kind is BlockKind.PARAGRAPH and len(b.text.split()) <= GRID_VALUE_MAX_WORDS \
        and not _SENTENCE_END.search(b.text)


def grid_cell(blocks: list[Block], index: int) -> bool:
    """A heading in a label/value grid: it and the heading before it (same form) each hold one short
    value ("Tiempo de la cirugía" / "1 hora", "Recuperación" / "3 días")."""
    head = blocks[index]
    prev = blocks[index - 2] if index >= 2 else None
    return head.form in ("bold", "dt") and prev is not None and prev.kind is BlockKind.HEADING \
        and prev.form == head.form and _grid_value(blocks, index - 1) and _grid_value(blocks, index + 1)


EYEBROW_MAX_WORDS = 4
_TERMINAL = (".", "!", "?", ":", ";", ",", "\u3002", "\uff01", "\uff1f", "\uff1a")


def eyebrow(block: Block) -> bool:
    """A short plain line with no punctuation at its end, standing right before a heading: a kicker over it."""
    return block.kind is BlockKind.PARAGRAPH and not block.label and not block.text.endswith(_TERMINAL) \
        and len(block.text.split()) <= EYEBROW_MAX_WORDS


# A number alone, or one short word and a number ("02", "Step 3", "Paso 04", "Phase 2."): the marker of a
# numbered sequence's member, standing as its own line beside a card's title.
_STEP_MARKER = re.compile(r"^(?:[^\W\d_]{1,8}\.?\s*)?\d{1,2}\s*[.):]?$")


def step_marker(block: Block) -> bool:
    """A paragraph that only numbers a step of a sequence ("02", "Step 3")."""
    return block.kind is BlockKind.PARAGRAPH and not block.label and len(block.text) <= 12 \
        and _STEP_MARKER.match(block.text) is not None
