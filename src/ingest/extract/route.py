"""route: runs of blocks (extract/segment.py) -> the content of each field.

A run's blocks go to its field: list items, cards and bold-label paragraphs become items,
other prose the field's paragraphs or notes; a field's second part is merged into it. An unknown
same-level section whose content cues clearly name a list field is recovered into it. Where a
text export lost its headings, headless segments are aligned to the missing sections by order,
block kind (list vs text) and content cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.extract.segment import CHROME, LIST_SECTIONS, LOST_HEADING_GAP, UNKNOWN, Run
from ingest.extract.shapes import eyebrow
from ingest.extract.vocabulary import Vocabulary
from ingest.extract.wording import is_question
from ingest.parse.blocks import Block, BlockKind

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


def route(runs: list[Run], blocks: list[Block], vocab: Vocabulary,
          unmatched: list[str] | None = None, unassigned: list[Block] | None = None) -> dict[str, SectionContent]:
    """The content of each field named by the runs of `blocks`, keyed by field name, in page order.

    Headings that open no section are appended to `unmatched` when given; the blocks that went to
    no field (nor its notes) to `unassigned`: headless text, unknown sections, FAQ blocks (chrome is
    not main content)."""
    routed: set[int] = set()  # ids of the runs given to a field, and of blocks recovered from headless runs
    anchored = [r for r in runs if r.section not in (None, CHROME, UNKNOWN)]
    strong_names = {r.section for r in anchored if not r.weak}
    strong_peers = {(r.section, r.level) for r in anchored if not r.weak and r.level}
    out: dict[str, SectionContent] = {}
    for run in runs:
        if run.section == UNKNOWN and unmatched is not None and not run.faq and run.heading:
            unmatched.append(run.heading)
    eyebrows: list[Block] = []
    for run, following in zip(runs, runs[1:]):
        if following.heading is not None and run.section != CHROME and run.blocks and eyebrow(run.blocks[-1]) \
                and not (len(run.blocks) > 1 and eyebrow(run.blocks[-2])):  # (not the last of a list of short lines)
            eyebrows.append(run.blocks.pop())  # the next heading's eyebrow ("Conditions treated"): no field's content
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
        if run.section in out and run.section in LIST_SECTIONS and (not out[run.section].items or _answers(run) and _asked(out[run.section].source)):
            part = SectionContent(run.section)
            _fill(part, run.blocks, vocab)
            _merge(out[run.section], part)  # a second heading naming the field after a prose part: its items follow
            routed.add(id(run))
            continue
        content = out.setdefault(run.section, SectionContent(run.section, anchored=not run.weak and not source.startswith("recovered:"),
                                                             source=source))
        _fill(content, run.blocks, vocab)
        routed.add(id(run))
    if len({r.section for r in anchored if not r.weak}) >= 2 and any(b.gap_before for b in blocks):
        _recover_headless(runs, out, vocab, routed)  # text exports only: their lost headings left blank-line gaps
    order = {s.name: s.order for s in vocab.sections}
    out = dict(sorted(out.items(), key=lambda kv: order[kv[0]]))
    if unassigned is not None:
        unassigned.extend(b for r in runs if r.section != CHROME and id(r) not in routed for b in r.blocks
                          if id(b) not in routed)
        unassigned.extend(eyebrows)
    _purpose_list_to_indications(out)
    _expect_list_to_steps(out)
    return out


def _asked(heading: str | None) -> bool:
    return bool(heading) and is_question(heading)


def _answers(run: Run) -> bool:
    """A run under a question ("When can I drive again?") adding to a field a question opened: on a page
    written as questions and answers each answer is one more item of the field its question names, prose
    or not. (An FAQ after a field's own section repeats it: its answers stay notes.)"""
    return _asked(run.heading)


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


def _recover_headless(runs: list[Run], out: dict[str, SectionContent], vocab: Vocabulary, routed: set[int]) -> None:
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
            routed.update(map(id, seg))


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
    is_list = content.name in LIST_SECTIONS
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


def _expect_list_to_steps(sections: dict[str, SectionContent]) -> None:
    """A 'What to expect' section holding a list (and no steps section on the page) lists the steps:
    its items are the procedure_steps (its prose, a lead-in, goes to their notes)."""
    expect = sections.get("patient_experience")
    if expect is None or "procedure_steps" in sections or len(expect.items) < 2:
        return
    sections["procedure_steps"] = SectionContent("procedure_steps", items=expect.items, notes=list(expect.paragraphs),
                                                 anchored=expect.anchored, source=expect.source)
    del sections["patient_experience"]


def _purpose_list_to_indications(sections: dict[str, SectionContent]) -> None:
    """A 'Why is it done' section is also the indications (when the page has no other): its list, else its paragraphs."""
    purpose = sections.get("purpose")
    if purpose is None or "indications" in sections or not (purpose.items or purpose.paragraphs):
        return
    if not purpose.items:  # prose only: the purpose text stays, and each paragraph is also an indication
        sections["indications"] = SectionContent("indications", items=list(purpose.paragraphs), anchored=purpose.anchored,
                                                 source=purpose.source)
        return
    sections["indications"] = SectionContent("indications", items=purpose.items, anchored=purpose.anchored,
                                             source=purpose.source)
    purpose.items = []
    if not purpose.paragraphs and not purpose.notes:
        del sections["purpose"]


def section_fields(sections: dict[str, SectionContent], vocab: Vocabulary) -> dict:
    out: dict = {"notes": {}, "risk_groups": [],
                 "sections_recovered": [n for n, s in sections.items() if not s.anchored]}
    for name, content in sections.items():
        if vocab.section(name).kind == "text":
            parts = content.paragraphs + content.items + content.notes
            out[name] = "\n\n".join(parts) if parts else None
            continue
        items = content.items or content.paragraphs
        notes = content.notes + (content.paragraphs if content.items else [])
        out[name] = items
        if notes:
            out["notes"][name] = notes
        if name == "risks" and any(label for label, _ in content.groups):
            out["risk_groups"] = [{"label": label, "items": list(group)} for label, group in content.groups]
    return out
