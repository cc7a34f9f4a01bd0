"""segment: the block stream -> runs of blocks, one per section node.

Headings (any form), bold labels that name a field, short question lines, FAQ blocks, card
titles and label/value grid cells become nodes by their shape; the label pass (extract/label.py,
handed in as a function) says which field a heading names. Chrome headings close a node. A
sub-heading of a lower level than its node's stays inside it unless it names another field.
Blank-line runs of a text export that lost its headings are kept as headless runs for route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.extract.lang import LangData, lang_data
from ingest.extract.shapes import eyebrow, grid_cell, is_sentence, labelled_list, step_marker
from ingest.extract.vocabulary import Vocabulary, vocabulary
from ingest.extract.wording import normalize_heading
from ingest.parse.blocks import Block, BlockKind
from ingest.parse.chrome import chrome_rules

LOST_HEADING_GAP = 2  # blank lines that mark a heading lost by a text export
CHROME = "__chrome__"
UNKNOWN = "__unknown__"
LIST_SECTIONS = frozenset(s.name for s in vocabulary().sections if s.kind == "list")


@dataclass
class Run:
    section: str | None  # None: headless
    blocks: list[Block] = field(default_factory=list)
    heading: str | None = None
    weak: bool = False  # opened by a keyword-only heading match
    level: int = 0  # level of the heading that opened it (0: unknown)
    faq: bool = False  # an FAQ block: its questions are not section headings
    peer: bool = False  # an unknown heading at the level of the page's section headings
    cell: bool = False  # a label of a label/value grid: its section is its one value


def _is_faq(text: str, lang: LangData) -> bool:
    return normalize_heading(text) in lang.heading_sets.get("faq_headings", frozenset())


QUESTION_MAX_WORDS = 8
_QUESTION_ENDS = ("?", "\uff1f")


def _question_line(block: Block, vocab: Vocabulary) -> bool:
    """A short question standing alone as a paragraph or list entry ("What Are the Benefits?") whose
    wording names a field: a heading the markup lost."""
    if block.label or (block.kind is not BlockKind.PARAGRAPH and block.kind is not BlockKind.ITEM):
        return False
    text = block.text
    if not text.endswith(_QUESTION_ENDS):
        text = text.rstrip()  # (block texts are stripped already: this copy is rarely needed)
        if not text.endswith(_QUESTION_ENDS):
            return False
    return len(text.split()) <= QUESTION_MAX_WORDS and vocab.match(text) is not None


_LEAD_IN_ENDS = (":", "\uff1a")


def _lead_in_line(blocks: list[Block], index: int, section: str | None, label: Callable[..., str | None]) -> bool:
    """A short plain paragraph ending with a colon right before a list ("Indications of renal biopsy:"),
    outside every field, whose wording the label pass names with a field: the list's heading, which the
    markup left a paragraph. (Inside a field it stays that field's lead-in, a note.)"""
    block = blocks[index]
    if block.kind is not BlockKind.PARAGRAPH or block.label or not block.text.endswith(_LEAD_IN_ENDS) \
            or index + 1 >= len(blocks) or blocks[index + 1].kind is not BlockKind.ITEM \
            or len(block.text.split()) > QUESTION_MAX_WORDS:
        return False
    return section in (None, UNKNOWN) and label(block.text) is not None


def _is_card(blocks: list[Block], index: int) -> bool:
    """A heading followed by plain paragraphs only, up to the next heading: a card's title ("Fast recovery")."""
    body = 0
    for b in blocks[index + 1:]:
        if b.kind is BlockKind.HEADING:
            break
        if b.kind is not BlockKind.PARAGRAPH or b.label:
            return False
        body += 1
    return body > 0


def _sibling_card(blocks: list[Block], index: int) -> bool:
    """Whether the card-shaped heading at index stands in a row of cards: the heading right before it
    (above its own body) or right after its body is a card title of the same level."""
    level = blocks[index].level
    after = next((i for i in range(index + 1, len(blocks)) if blocks[i].kind is BlockKind.HEADING), None)
    if after is not None and blocks[after].level == level and _is_card(blocks, after):
        return True
    before = next((i for i in range(index - 1, -1, -1) if blocks[i].kind is BlockKind.HEADING), None)
    return before is not None and blocks[before].level == level and _is_card(blocks, before)


def _body_text(blocks: list[Block], index: int) -> str:
    """The text under the heading at index, up to the next heading."""
    body = []
    for b in blocks[index + 1:]:
        if b.kind is BlockKind.HEADING:
            break
        body.append(b.text)
    return " ".join(body)


def _kicker_field(current: Run, heading: str, label: Callable[..., str | None],
                  weak_label: Callable[[str], str | None]) -> str | None:
    """The field named by the kicker right above a heading that names none itself: a short eyebrow line
    ("How it works" over "A simpler way to start") or a question line that opened a field with nothing
    in it yet ("Is it right for you?" over "When to consider surgery"). None when the heading's own
    weak evidence names another field ("Overview" over "What is X?": the heading's own wording wins)."""
    if current.faq or current.section == CHROME:
        return None
    if current.blocks:
        last = current.blocks[-1]
        if not eyebrow(last) or (len(current.blocks) > 1 and eyebrow(current.blocks[-2])):
            return None  # (the last of a list of short lines is no kicker)
        found = label(last.text)
    elif current.section not in (None, UNKNOWN) and not current.level and current.heading is not None:
        found = current.section
    else:
        return None
    return found if found is not None and weak_label(heading) in (None, found) else None


CONTENTS_MIN_ITEMS = 3  # a list this long ...
CONTENTS_SHARE = 0.8  # ... whose items name this share of the headings after it is the page's table of contents


def without_contents_lists(blocks: list[Block]) -> list[Block]:
    """The blocks without a table of contents: a list whose items repeat the headings that follow it
    ("Jump to a question" over the page's questions; a heading may add a one-word prefix, "Q What is X?")
    is navigation, not a field's items."""
    lists: dict[int, list[int]] = {}
    headings: list[int] = []
    for i, b in enumerate(blocks):
        if b.kind is BlockKind.ITEM:
            if b.list_id is not None:
                lists.setdefault(b.list_id, []).append(i)
        elif b.kind is BlockKind.HEADING:
            headings.append(i)
    lists = {k: v for k, v in lists.items() if len(v) >= CONTENTS_MIN_ITEMS}
    if not lists or not headings:
        return blocks
    last: dict[str, int] = {}  # heading text (and without its first word) -> its last place
    for i in headings:
        text = normalize_heading(blocks[i].text)
        last[text] = i
        if " " in text:
            last[text.split(" ", 1)[1]] = i
    drop: set[int] = set()
    for members in lists.values():
        end, allowed = members[-1], len(members) - CONTENTS_SHARE * len(members)
        misses = 0
        for i in members:
            if last.get(normalize_heading(blocks[i].text), -1) <= end:
                misses += 1
                if misses > allowed:
                    break
        else:
            drop.update(members)
    return [b for i, b in enumerate(blocks) if i not in drop] if drop else blocks


def segment(blocks: list[Block], vocab: Vocabulary, lang: LangData | None = None,
               label: Callable[..., str | None] | None = None,
               weak_label: Callable[[str], str | None] | None = None) -> list[Run]:
    """Cut the block stream into runs: one per section heading, headless runs, chrome runs.

    Keyword-only heading matches count only on pages with two or more strongly matched
    section headings, so "About us" on a news site opens nothing. A heading of a lower level
    than the section's own stays inside it (a sub-heading, a card title); one of the same or a
    higher level that names no field ends it. Questions inside an FAQ block open nothing."""
    rules = chrome_rules()
    lang = lang or lang_data("en")
    label = label or (lambda text, body=None: vocab.match(text))  # the label pass's field of a heading (extract/label.py)
    weak_label = weak_label or (lambda text: vocab.match(text, weak=True))
    strong = {vocab.match(b.label) if b.kind is not BlockKind.HEADING else label(b.text)
              for b in blocks if b.kind is BlockKind.HEADING or b.label} - {None}
    allow_weak = len(strong) >= 2
    section_levels = {b.level for b in blocks if b.kind is BlockKind.HEADING and b.level
                      and (label(b.text) or (b.text.rstrip().endswith(":") and vocab.lead_in(b.text)))}
    runs: list[Run] = [Run(None)]
    for index, block in enumerate(blocks):
        current = runs[-1]
        if not current.faq and (_question_line(block, vocab) or (block.text.endswith(_LEAD_IN_ENDS)
                                                                 and _lead_in_line(blocks, index, current.section, label))):
            block = Block(BlockKind.HEADING, block.text, form="line", gap_before=block.gap_before)
        if rules.is_chrome_text(block.text):
            if block.kind is BlockKind.HEADING or block.gap_before >= 1:
                runs.append(Run(CHROME))
            continue
        in_label_run = bool(current.blocks) and bool(current.blocks[-1].label) and current.section in LIST_SECTIONS
        if block.kind is BlockKind.PARAGRAPH and block.label and not current.faq and not in_label_run:
            # (in a run of bold-label paragraphs, a label naming a field is one more item: "Donor Area Preparation: ...")
            inside = current.section not in (None, CHROME, UNKNOWN)
            section = vocab.match(block.label) or (vocab.match(block.label, weak=True) if inside else None)
            if section is not None:  # a label that names a section is its heading: left out of the text
                rest = block.text[len(block.label):].lstrip(" :-\u2013\u2014") if block.text.startswith(block.label) else block.text
                if section != current.section:
                    runs.append(Run(section, heading=block.label, level=current.level if inside else 0))
                if rest:
                    runs[-1].blocks.append(Block(BlockKind.PARAGRAPH, rest))
                continue
        if block.kind is BlockKind.HEADING and current.section in LIST_SECTIONS and is_sentence(block.text):
            # a whole instruction styled as a heading ("Know when to stop eating ... before surgery.") does not
            # end the section: what follows it is a further part of the same field
            runs.append(Run(current.section, heading=current.heading, weak=current.weak, level=current.level))
            continue
        if block.kind is BlockKind.HEADING:
            level = block.level
            nested = bool(level and current.level and level > current.level)
            if current.faq and (nested or not level or block.text.rstrip().endswith(("?", "\uff1f"))):
                continue  # a question inside the FAQ block (nested, or a same-level question after it)
            if _is_faq(block.text, lang):
                runs.append(Run(UNKNOWN, heading=block.text, level=level, faq=True))
                continue
            section = label(block.text, body=lambda: _body_text(blocks, index)) or labelled_list(blocks, index, vocab)
            weak = section is None and allow_weak and (section := weak_label(block.text)) is not None
            if section is None and block.text.rstrip().endswith(":") and (section := vocab.lead_in(block.text)):
                weak = True  # a lead-in heading ("The advantages of X are:") names its list by keyword
            if section is None and level and level == current.level and current.section in LIST_SECTIONS \
                    and index and step_marker(blocks[index - 1]):
                current.blocks.append(block)  # the next numbered card of the field's sequence ("Paso 02" / "Planning")
                continue
            if section is None and (kicked := _kicker_field(current, block.text, label, weak_label)) is not None:
                if not current.blocks:  # the kicker opened the field: the heading is its heading, at its level
                    current.level = level
                    continue
                current.blocks.pop()  # the eyebrow line is the heading's kicker, no field's content
                runs.append(Run(kicked, heading=block.text, level=level))
                continue
            in_list = current.section in LIST_SECTIONS
            if in_list and (vocab.is_group_label(current.section, block.text)
                            or (section == current.section and block.form in ("bold", "line", "dt"))
                            or (section == current.section and current.heading is not None
                                and normalize_heading(block.text) == normalize_heading(current.heading))):
                # (a panel restating its tab's title is the same heading, not a second part of the field)
                current.blocks.append(block)  # a sub-group label inside the section
                continue
            # (a card title names no field; one named exactly after a field, "Risks" under "Procedure details", opens it)
            other_field = section is not None and not weak and current.section not in (None, CHROME, UNKNOWN, section) \
                and block.form not in ("dt", "line") \
                and (block.text.rstrip().endswith("?") or vocab.exact(block.text) == section or not _is_card(blocks, index)
                     or not _sibling_card(blocks, index))
            if nested and current.section is not None and (current.section != UNKNOWN or section is None or weak) \
                    and not other_field:
                current.blocks.append(block)  # a sub-heading stays inside its section (unless it names another field)
                continue
            if section is not None:
                runs.append(Run(section, heading=block.text, weak=weak, level=level, cell=grid_cell(blocks, index)))
                continue
            if (block.form in ("h1", "h2", "h3", "h4") or level in section_levels) and current.section is not None:
                runs.append(Run(UNKNOWN, heading=block.text, level=level,
                                 peer=bool(level) and level in section_levels))  # a section we do not extract
                continue
            if level and level in section_levels and current.section is None:
                runs.append(Run(UNKNOWN, heading=block.text, level=level, peer=True))
                continue
            block = Block(BlockKind.PARAGRAPH, block.text, gap_before=block.gap_before)
        if block.gap_before >= LOST_HEADING_GAP and current.section not in (None, CHROME, UNKNOWN):
            current = Run(None)  # the export lost the heading that stood here
            runs.append(current)
        if current.section in (CHROME, UNKNOWN) and block.gap_before >= LOST_HEADING_GAP:
            current = Run(None)
            runs.append(current)
        if step_marker(block) and current.section in LIST_SECTIONS:
            continue  # the number of a step ("02"): the sequence's order, no item of its own
        if current.cell and current.blocks:
            current = Run(None)  # after a grid cell's value ("Recuperación" / "3 días"): no heading of its own
            runs.append(current)
        current.blocks.append(block)
    return [r for r in runs if r.blocks or r.section not in (None, CHROME, UNKNOWN)]

