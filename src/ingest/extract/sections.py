"""Blocks -> the 13 procedure sections.

Headings (any form) open sections through the vocabulary; chrome headings close
them. Where an export lost its headings, blank-line runs still separate blocks
that keep the site's fixed section order: those headless segments are aligned
to the missing sections by order, block kind (list vs text) and content cues.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.extract.lang import LangData, lang_data
from ingest.extract.shapes import grid_cell, is_sentence, labelled_list
from ingest.extract.vocabulary import Vocabulary, vocabulary
from ingest.extract.wording import normalize_heading
from ingest.parse.blocks import Block, BlockKind
from ingest.parse.chrome import chrome_rules

LOST_HEADING_GAP = 2  # blank lines that mark a heading lost by a text export
CHROME = "__chrome__"
UNKNOWN = "__unknown__"

# "Enhanced quality of life Benefits can typically be realized ...": a sentence glued onto an item.
_GLUED_SENTENCE = re.compile(r"^(?P<head>\S+(?:\s+\S+)+?[a-z)])\s+(?P<tail>[A-Z][a-z]+(?:\s+\S+){3,}[.!])$")
# "Bruising or swelling Rare complications:": a group label glued onto an item.
_GLUED_LABEL = re.compile(r"^(?P<head>\S+(?:\s+\S+)+?[a-z)])\s+(?P<tail>[A-Z][a-z]+(?:\s+[a-z]+){0,3}):$")
# What the two patterns must end with ('$' also matches before a final newline): a cheap test first.
_LABEL_ENDS = (":", ":\n")
_SENTENCE_ENDS = (".", "!", ".\n", "!\n")
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit: str.isalnum() for one character


@dataclass
class SectionContent:
    """What one section holds: items (list sections), paragraphs, notes, labelled groups."""

    name: str
    items: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    groups: list[tuple[str | None, list[str]]] = field(default_factory=list)
    anchored: bool = False  # opened by a heading (vs recovered from order and cues)
    source: str = ""  # the heading text that opened it, or "recovered:<cue>"


@dataclass
class _Run:
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


def _body_text(blocks: list[Block], index: int) -> str:
    """The text under the heading at index, up to the next heading."""
    body = []
    for b in blocks[index + 1:]:
        if b.kind is BlockKind.HEADING:
            break
        body.append(b.text)
    return " ".join(body)


def split_runs(blocks: list[Block], vocab: Vocabulary, lang: LangData | None = None,
               label: Callable[..., str | None] | None = None,
               weak_label: Callable[[str], str | None] | None = None) -> list[_Run]:
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
    runs: list[_Run] = [_Run(None)]
    for index, block in enumerate(blocks):
        current = runs[-1]
        if _question_line(block, vocab) and not current.faq:
            block = Block(BlockKind.HEADING, block.text, form="line", gap_before=block.gap_before)
        if rules.is_chrome_text(block.text):
            if block.kind is BlockKind.HEADING or block.gap_before >= 1:
                runs.append(_Run(CHROME))
            continue
        in_label_run = bool(current.blocks) and bool(current.blocks[-1].label) and current.section in _LIST_SECTIONS
        if block.kind is BlockKind.PARAGRAPH and block.label and not current.faq and not in_label_run:
            # (in a run of bold-label paragraphs, a label naming a field is one more item: "Donor Area Preparation: ...")
            inside = current.section not in (None, CHROME, UNKNOWN)
            section = vocab.match(block.label) or (vocab.match(block.label, weak=True) if inside else None)
            if section is not None:  # a label that names a section is its heading: left out of the text
                rest = block.text[len(block.label):].lstrip(" :-\u2013\u2014") if block.text.startswith(block.label) else block.text
                if section != current.section:
                    runs.append(_Run(section, heading=block.label, level=current.level if inside else 0))
                if rest:
                    runs[-1].blocks.append(Block(BlockKind.PARAGRAPH, rest))
                continue
        if block.kind is BlockKind.HEADING and current.section in _LIST_SECTIONS and is_sentence(block.text):
            # a whole instruction styled as a heading ("Know when to stop eating ... before surgery.") does not
            # end the section: what follows it is a further part of the same field
            runs.append(_Run(current.section, heading=current.heading, weak=current.weak, level=current.level))
            continue
        if block.kind is BlockKind.HEADING:
            level = block.level
            nested = bool(level and current.level and level > current.level)
            if current.faq and (nested or not level or block.text.rstrip().endswith(("?", "\uff1f"))):
                continue  # a question inside the FAQ block (nested, or a same-level question after it)
            if _is_faq(block.text, lang):
                runs.append(_Run(UNKNOWN, heading=block.text, level=level, faq=True))
                continue
            section = label(block.text, body=lambda: _body_text(blocks, index)) or labelled_list(blocks, index, vocab)
            weak = section is None and allow_weak and (section := weak_label(block.text)) is not None
            if section is None and block.text.rstrip().endswith(":") and (section := vocab.lead_in(block.text)):
                weak = True  # a lead-in heading ("The advantages of X are:") names its list by keyword
            in_list = current.section in _LIST_SECTIONS
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
                and (block.text.rstrip().endswith("?") or vocab.exact(block.text) == section or not _is_card(blocks, index))
            if nested and current.section is not None and (current.section != UNKNOWN or section is None or weak) \
                    and not other_field:
                current.blocks.append(block)  # a sub-heading stays inside its section (unless it names another field)
                continue
            if section is not None:
                runs.append(_Run(section, heading=block.text, weak=weak, level=level, cell=grid_cell(blocks, index)))
                continue
            if (block.form in ("h1", "h2", "h3", "h4") or level in section_levels) and current.section is not None:
                runs.append(_Run(UNKNOWN, heading=block.text, level=level,
                                 peer=bool(level) and level in section_levels))  # a section we do not extract
                continue
            if level and level in section_levels and current.section is None:
                runs.append(_Run(UNKNOWN, heading=block.text, level=level, peer=True))
                continue
            block = Block(BlockKind.PARAGRAPH, block.text, gap_before=block.gap_before)
        if block.gap_before >= LOST_HEADING_GAP and current.section not in (None, CHROME, UNKNOWN):
            current = _Run(None)  # the export lost the heading that stood here
            runs.append(current)
        if current.section in (CHROME, UNKNOWN) and block.gap_before >= LOST_HEADING_GAP:
            current = _Run(None)
            runs.append(current)
        if current.cell and current.blocks:
            current = _Run(None)  # after a grid cell's value ("Recuperación" / "3 días"): no heading of its own
            runs.append(current)
        current.blocks.append(block)
    return [r for r in runs if r.blocks or r.section not in (None, CHROME, UNKNOWN)]



_LIST_SECTIONS = frozenset(s.name for s in vocabulary().sections if s.kind == "list")
# A field is taken from an unknown heading's content only with this many cue hits, and twice the runner-up's.
CUE_MIN_HITS = 3


def cue_section(text: str, vocab: Vocabulary) -> tuple[str, list[str]] | None:
    """The list field whose content cues dominate text (name, cue words), or None."""
    scored = []
    for section in vocab.sections:
        if section.kind != "list" or not section.heading_cues:
            continue
        hits = [m.group(0).lower() for c in section.heading_cues for m in c.finditer(text)]
        scored.append((len(hits), len(set(hits)), section.name, hits))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < CUE_MIN_HITS or scored[0][1] < 2:
        return None
    if len(scored) > 1 and scored[1][0] * 2 > scored[0][0]:
        return None
    return scored[0][2], sorted(set(scored[0][3]))[:3]


def extract_sections(blocks: list[Block], vocab: Vocabulary | None = None, lang: LangData | None = None,
                     unmatched: list[str] | None = None,
                     label: Callable[..., str | None] | None = None,
                     weak_label: Callable[[str], str | None] | None = None) -> dict[str, SectionContent]:
    """The sections found in a block stream, keyed by field name, in page order.

    Headings that open no section are appended to `unmatched` when given."""
    vocab = vocab or vocabulary()
    runs = split_runs(blocks, vocab, lang, label, weak_label)
    anchored = [r for r in runs if r.section not in (None, CHROME, UNKNOWN)]
    strong_names = {r.section for r in anchored if not r.weak}
    strong_peers = {(r.section, r.level) for r in anchored if not r.weak and r.level}
    out: dict[str, SectionContent] = {}
    for run in runs:
        if run.section == UNKNOWN and unmatched is not None and not run.faq and run.heading:
            unmatched.append(run.heading)
    named_before = False  # an intro heading before every named section is the page's own, not a section
    for run in runs:
        source = run.heading or ""
        named_before = named_before or (run.section not in (None, CHROME, UNKNOWN) and not run.weak)
        if run.section == UNKNOWN and run.peer and not run.faq and named_before:
            text = " ".join(b.text for b in run.blocks)
            found = cue_section(text, vocab)
            if found is None or (found[0], run.level) in strong_peers:
                continue  # (a field a same-level heading names elsewhere on the page is not guessed a second time)
            run.section, source = found[0], "recovered:" + ",".join(found[1])
        elif run.section in (None, CHROME, UNKNOWN):
            continue
        if run.section == "summary" and run.blocks and all(b.kind is BlockKind.ITEM for b in run.blocks):
            run.section = "procedure_steps"  # "Procedure overview" over a list: the list is the steps, not a summary
        if run.section in out and run.section in _LIST_SECTIONS and not out[run.section].items:
            part = SectionContent(run.section)
            _fill(part, run.blocks, vocab)
            _merge(out[run.section], part)  # a second heading naming the field after a prose part: its items follow
            continue
        content = out.setdefault(run.section, SectionContent(run.section, anchored=not run.weak and not source.startswith("recovered:"),
                                                             source=source))
        _fill(content, run.blocks, vocab)
    if len({r.section for r in anchored if not r.weak}) >= 2 and any(b.gap_before for b in blocks):
        _recover_headless(runs, out, vocab)  # text exports only: their lost headings left blank-line gaps
    order = {s.name: s.order for s in vocab.sections}
    return dict(sorted(out.items(), key=lambda kv: order[kv[0]]))


def _merge(into: SectionContent, part: SectionContent) -> None:
    """Add a list section's second part to a first part of prose: each part gives its list items,
    else one item per paragraph (a part with a list keeps its other paragraphs as notes)."""
    items = (into.items or into.paragraphs) + (part.items or part.paragraphs)
    into.paragraphs = (into.paragraphs if into.items else []) + (part.paragraphs if part.items else [])
    into.items = items
    into.notes.extend(part.notes)
    into.groups.extend(part.groups)


def _segments(blocks: list[Block]) -> list[list[Block]]:
    segs: list[list[Block]] = []
    for b in blocks:
        if not segs or b.gap_before >= LOST_HEADING_GAP:
            segs.append([])
        segs[-1].append(b)
    return segs


def _recover_headless(runs: list[_Run], out: dict[str, SectionContent], vocab: Vocabulary) -> None:
    orders = {s.name: s.order for s in vocab.sections}
    for i, run in enumerate(runs):
        if run.section is not None or not run.blocks:
            continue
        before = [orders[r.section] for r in runs[:i] if r.section in orders]
        after = [orders[r.section] for r in runs[i + 1:] if r.section in orders]
        low = max(before) if before else -1
        high = min(after) if after else len(vocab.sections)
        if not before and not after:
            continue
        allowed = [s for s in vocab.sections if low < s.order < high and s.name not in out]
        segs = _segments(run.blocks)
        if not before:  # preamble: only segments after the last heading-like line belong to sections
            segs = [s for s in segs if any(b.kind is not BlockKind.HEADING for b in s)]
        for seg, section in _align(segs, allowed):
            if section is None:
                continue
            content = out.setdefault(section.name, SectionContent(section.name, source="recovered:order"))
            _fill(content, seg, vocab)


def _segment_kind(seg: list[Block]) -> str:
    return "list" if any(b.kind is BlockKind.ITEM for b in seg) else "text"


def _align(segs: list[list[Block]], allowed: list) -> list[tuple[list[Block], object]]:
    """Monotone alignment of headless segments to the allowed sections (dynamic programming).

    Each segment maps to a later section than the one before it, or (a text
    segment right after a list segment) to that list section's notes, or to nothing.
    """
    n, m = len(segs), len(allowed)
    if n == 0 or m == 0:
        return []
    NEG = float("-inf")

    def score(seg: list[Block], section) -> float:
        text = " ".join(b.text for b in seg)
        s = 3.0 if _segment_kind(seg) == section.kind else -3.0
        if any(c.search(text) for c in section.cues):
            s += 2.0
        return s

    # best[i][j]: best score with segments[:i] placed and the last placed section index j-1 (0 = none)
    best = [[NEG] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, str] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n):
        seg = segs[i]
        for j in range(m + 1):
            if best[i][j] == NEG:
                continue
            base = best[i][j]
            if base - 1.0 > best[i + 1][j]:  # leave the segment unassigned
                best[i + 1][j], back[i + 1][j] = base - 1.0, (i, j, "skip")
            if j > 0 and allowed[j - 1].kind == "list" and _segment_kind(seg) == "text" and i > 0 \
                    and back[i][j] is not None and back[i][j][2] in ("take", "note"):
                if base + 0.5 > best[i + 1][j]:
                    best[i + 1][j], back[i + 1][j] = base + 0.5, (i, j, "note")
            for k in range(j + 1, m + 1):
                value = base + score(seg, allowed[k - 1])
                if value > best[i + 1][k]:
                    best[i + 1][k], back[i + 1][k] = value, (i, j, "take")
    j = max(range(m + 1), key=lambda jj: best[n][jj])
    placed: list[tuple[list[Block], object]] = []
    i = n
    while i > 0:
        prev_i, prev_j, how = back[i][j]
        seg = segs[prev_i]
        placed.append((seg, allowed[j - 1] if how in ("take", "note") else None))
        i, j = prev_i, prev_j
    placed.reverse()
    return placed


def _fill(content: SectionContent, blocks: list[Block], vocab: Vocabulary) -> None:
    """Add blocks to a section: items, cards, group labels, paragraphs/notes, export-damage repair.

    In a list section, a sub-heading followed by paragraphs only is a card (one item: its title
    and text), and a paragraph opening with a bold label is an item (label kept)."""
    is_list = content.name in _LIST_SECTIONS
    group_label: str | None = None
    fragment_style = _fragment_style([b.text for b in blocks if b.kind is BlockKind.ITEM])
    had_list = False  # after a real list, bold-label paragraphs are text around it, not items
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if block.kind is not BlockKind.ROW and not _ALNUM.search(block.text):
            continue  # a stray BOM or ornament
        if block.kind is BlockKind.HEADING:
            body = []
            while i < len(blocks) and blocks[i].kind is BlockKind.PARAGRAPH and not blocks[i].label:
                body.append(blocks[i].text)
                i += 1
            ends = i >= len(blocks) or blocks[i].kind is BlockKind.HEADING
            if is_list and body and ends and not vocab.is_group_label(content.name, block.text):
                content.items.append(" ".join([block.text, *body]))
                continue
            group_label = block.text.rstrip(":").strip()
            content.groups.append((group_label, []))
            content.paragraphs.extend(body)
            continue
        label_item = block.kind is BlockKind.PARAGRAPH and block.label and not had_list
        had_list = had_list or block.kind is BlockKind.ITEM
        if is_list and (block.kind is BlockKind.ITEM or label_item):
            item, label, note = repair_item(block.text, fragment_style)
            if block.kind is BlockKind.ITEM and label is None and item.rstrip().endswith(":"):
                if _is_lead_in_label(item):
                    content.groups.append((item.rstrip().rstrip(":").strip(), []))  # "Nerve complications:" opens a group
                    continue
                if i < len(blocks) and blocks[i].kind is BlockKind.ITEM and blocks[i].list_id != block.list_id:
                    content.notes.append(item)  # "Examples are as follows:" wraps a nested list: its items are the items
                    continue
            if item:
                content.items.append(item)
                if content.groups:
                    content.groups[-1][1].append(item)
            if note:
                content.notes.append(note)
            if label:
                content.groups.append((label, []))
            continue
        if block.kind is BlockKind.ITEM and not is_list:
            content.items.append(block.text)  # a text section's list (e.g. the conditions under "Why is it done")
            continue
        if block.kind is BlockKind.PARAGRAPH and is_list and vocab.is_group_label(content.name, block.text):
            content.groups.append((block.text.rstrip(":").strip(), []))
            continue
        text = block.text if block.kind is not BlockKind.ROW else " | ".join(block.cells)
        content.paragraphs.append(text)


LEAD_IN_MAX_WORDS = 6


def _is_lead_in_label(text: str) -> bool:
    """A short list entry ending with a colon and saying nothing after it is a label for what follows."""
    stripped = text.rstrip()
    return stripped.endswith(":") and len(stripped.split()) <= LEAD_IN_MAX_WORDS


def _fragment_style(items: list[str]) -> bool:
    """True when most items of a list are fragments (no closing period)."""
    if not items:
        return False
    return sum(1 for t in items if not t.rstrip().endswith((".", "!", "?"))) * 2 >= len(items)


def repair_item(text: str, fragment_style: bool) -> tuple[str, str | None, str | None]:
    """Split export damage off a list item: returns (item, glued group label, glued note)."""
    m = _GLUED_LABEL.match(text) if text.endswith(_LABEL_ENDS) else None
    if m and len(m["tail"].split()) <= 4:
        return m["head"], m["tail"], None
    if fragment_style and text.endswith(_SENTENCE_ENDS):
        m = _GLUED_SENTENCE.match(text)
        if m:
            return m["head"], None, m["tail"]
    return text, None, None
