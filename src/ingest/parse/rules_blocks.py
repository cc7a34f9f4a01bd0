"""Normalization rules over sibling blocks: icon-row and card runs, label/value tables, list strays, item labels."""

from __future__ import annotations

import re

from lxml import etree

from ingest.parse.blocks import clean_text
from ingest.parse.markup import (
    HEADINGS,
    LABEL,
    MarkupRules,
    NUMERIC,
    ROW_BLOCKERS,
    is_icon,
    remove_keep_tail,
    replace_with,
    class_words,
)
from ingest.parse.rules_lines import strip_marks
from ingest.parse.tree import text_of


# -- rule: runs of icon rows -> a list -------------------------------------------------------

def icon_runs(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """Runs of sibling rows (same tag and class) that open with an icon (i.fa-check, svg, img,
    an empty styled span/div, a one-glyph span such as ✓) become one list, icons dropped."""
    rows = {}
    for icon in candidates:
        if icon.getprevious() is not None or not is_icon(icon, r):
            continue
        row = icon.getparent()
        if row is None or row.tag in ("li", "ul", "ol", "a", "button") or row.tag in HEADINGS:
            continue
        if (row.text or "").strip() or len(text_of(row).strip()) <= len(text_of(icon).strip()) + 2:
            continue
        rows[id(row)] = (row, icon)
    _runs(rows, r, r.icon_min_run, max_words=r.card_paragraph_words + r.card_heading_words)


def _unit(el: etree._Element, r: MarkupRules, markers: list, depth: int = 4) -> etree._Element:
    """el, or the wrapper around it when that wrapper holds nothing else but markers (grid
    columns; a step number or icon beside the row). Markers met are appended to markers."""
    unit = el
    for _ in range(depth):
        parent = unit.getparent()
        if parent is None or parent.getparent() is None or (parent.text or "").strip():
            break
        if parent.tag not in ("div", "section", "article", "span"):
            break
        others = [c for c in parent if c is not unit and isinstance(c.tag, str)]
        if any(not _is_marker(c, r) for c in others) or (unit.tail or "").strip():
            break
        markers.extend(others)
        unit = parent
    return unit


def _is_marker(el: etree._Element, r: MarkupRules) -> bool:
    """An icon, glyph or ordinal ("02", "3.") standing beside a row."""
    text = clean_text(text_of(el))
    return el.find(".//p") is None and (len(text) <= r.icon_glyph or bool(re.fullmatch(r"\d{1,2}[.)]?", text)))


def _runs(rows: dict, r: MarkupRules, min_run: int, max_words: int, checked: bool = False) -> None:
    """Group rows into runs of consecutive same-signature siblings (glyph-only separators such
    as an arrow between them allowed) and turn each run into a list."""
    units = {}
    for row, marker in rows.values():
        markers = [marker] if marker is not None else []
        unit = _unit(row, r, markers)
        units[id(unit)] = (unit, row, markers)
    done: dict[int, etree._Element] = {}  # keeps the proxies alive, so their ids stay unique
    for unit, _row, _m in list(units.values()):
        parent = unit.getparent()
        if parent is None or id(parent) in done or parent.tag in ("ul", "ol"):
            continue
        done[id(parent)] = parent
        runs: list[list] = []
        run: list = []
        separators: list = []
        for child in parent:
            info = units.get(id(child))
            ok = info is not None and (checked or _row_ok(info[1], max_words))
            if ok and (not run or _signature(child) == _signature(run[0][0])):
                run.append(info)
                run.extend(("sep", s, []) for s in separators)
                separators = []
            elif not ok and run and isinstance(child.tag, str) and len(text_of(child).strip()) <= 2:
                separators.append(child)
            else:
                if _count(run) >= min_run:
                    runs.append(run)
                run = [info] if ok else []
                separators = []
        if _count(run) >= min_run:
            runs.append(run)
        for run in runs:
            _to_list(run)


def _count(run: list) -> int:
    return sum(1 for x in run if x[0] != "sep")


def _signature(el: etree._Element) -> tuple:
    return el.tag, " ".join(sorted((el.get("class") or "").split()))


def _row_ok(row: etree._Element, max_words: int) -> bool:
    if any(True for _ in row.iter(*ROW_BLOCKERS)) or len(row.findall(".//p")) > 1:
        return False
    return len(text_of(row).split()) <= max_words


def _to_list(run: list) -> None:
    first = run[0][0]
    parent = first.getparent()
    numbered = all(any(_ordinal(m) for m in markers) for x, _r, markers in run if x != "sep")
    ul = etree.Element("ol" if numbered else "ul")
    parent.insert(parent.index(first), ul)
    for unit, row, markers in run:
        if unit == "sep":
            remove_keep_tail(row)
            continue
        step = next((t for m in markers if _is_worded_ordinal(t := clean_text(text_of(m)))), None)
        for m in markers:
            if m.getparent() is not None:
                remove_keep_tail(m)
        tail = unit.tail
        unit.tail = None
        li = etree.SubElement(ul, "li")
        if step:
            li.set(LABEL, step)  # "Step 01": the item's label (not its text), which names its field
        li.append(unit)
        if tail and tail.strip():
            li.tail = tail


def _ordinal(el: etree._Element) -> bool:
    return bool(re.search(r"\d", clean_text(text_of(el))))


def _is_worded_ordinal(text: str) -> bool:
    """An ordinal written with a word ("Step 01", "Paso 2"), not a bare number or glyph."""
    return bool(re.search(r"\d", text)) and any(ch.isalpha() for ch in text)


# -- rule: runs of cards (small heading + short paragraph) -> a list -----------------------

def cards(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """Runs of sibling cards (same tag and class) become one list whose items read in page
    order ("heading paragraph"). A card is one small heading and one short paragraph (icons
    allowed), in either order, plus at most one ordinal ("Step 01", "2", a number badge) that
    is dropped like a typed number; an h2 counts as a card heading only beside an ordinal."""
    rows = {}
    for h in candidates:
        card = h.getparent()
        if (card is None or len(card) > 6 or id(card) in rows or card.getparent() is None
                or card.tag in r.not_card_tags or (card.text or "").strip()):
            continue
        texty = [c for c in card if isinstance(c.tag, str) and text_of(c).strip()]
        if not 2 <= len(texty) <= 3:
            continue
        ordinals = [c for c in texty if _is_ordinal_text(text_of(c), r)]
        rest = [c for c in texty if c not in ordinals]
        if len(ordinals) > 1 or (len(texty) == 3 and not ordinals):
            continue
        if len(rest) == 1 and rest[0].tag == "p" and ordinals and ordinals[0].tag in HEADINGS:
            rest = [ordinals[0], rest[0]]  # a numbered heading ("Step 1") over a paragraph
        if len(rest) != 2:
            continue
        heads = [c for c in rest if c.tag in HEADINGS]
        paras = [c for c in rest if c.tag == "p"]
        if len(heads) != 1 or len(paras) != 1:
            continue
        head = heads[0]
        if head.tag not in r.card_heading_tags and not ordinals:
            continue
        if len(clean_text(text_of(head)).split()) > r.card_heading_words:
            continue
        if len(clean_text(text_of(paras[0])).split()) > r.card_paragraph_words:
            continue
        rows[id(card)] = (card, ordinals[0] if ordinals else None)
    _runs(rows, r, r.card_min_run, max_words=r.card_paragraph_words + r.card_heading_words, checked=True)


def _is_ordinal_text(text: str, r: MarkupRules) -> bool:
    """'Step 1', 'Step01', '2.', '03': a typed number standing alone."""
    text = text.strip()
    if not text or len(text) > 40:
        return False
    text = clean_text(text)
    if not text or len(text) > 12:
        return False
    if text.isdigit() and len(text) <= 2:
        return True
    m = r.number.match(text + " ")
    return m is not None and m.end() >= len(text)


# -- rule: two-column label/value tables -> dl -------------------------------------------

def tables(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """A table whose rows are all (short label, text value) becomes a definition list: the
    walker gives HEADING(form="dt") + PARAGRAPH pairs, exactly as for <dl>."""
    for table in candidates:
        if table.getparent() is None or table.find(".//table") is not None:
            continue
        rows = table.xpath("./tr|./tbody/tr|./thead/tr")
        if len(rows) < r.table_min_rows:
            continue
        pairs = []
        for tr in rows:
            cells = [c for c in tr if c.tag in ("td", "th")]
            if len(cells) != 2 or all(c.tag == "th" for c in cells):
                break
            label, value = (clean_text(text_of(c)) for c in cells)
            if not label or len(label.split()) > r.table_label_words:
                break
            pairs.append((cells, value))
        else:
            values = [v for _, v in pairs if v]
            numeric = sum(bool(NUMERIC.match(v)) for v in values)
            if not values or numeric > len(values) * r.table_numeric_share:
                continue
            dl = etree.Element("dl")
            for (label, value), _v in pairs:
                label.tag, value.tag = "dt", "dd"
                label.attrib.clear()
                value.attrib.clear()
                label.tail = value.tail = None
                dl.append(label)
                dl.append(value)
            replace_with(table, [dl])


# -- rule: headings and paragraphs written inside ul/ol ----------------------------------

def list_children(candidates: list) -> None:
    """A heading or paragraph written directly inside ul/ol (invalid, but common) is moved out:
    before the list when it precedes every item, else the list is split around it."""
    for lst in candidates:
        parent = lst.getparent()
        if parent is None or all(c.tag == "li" for c in lst) or not any(c.tag == "li" for c in lst):
            continue
        strays = [c for c in lst if isinstance(c.tag, str) and c.tag != "li" and text_of(c).strip()]
        if not strays:
            continue
        groups: list[list] = [[]]  # alternating: [li...], stray, [li...], ...
        for child in list(lst):
            if not isinstance(child.tag, str):
                continue
            if child.tag == "li" or not text_of(child).strip():
                if isinstance(groups[-1], list):
                    groups[-1].append(child)
                else:
                    groups.append([child])
            else:
                groups.append(child)
        at = parent.index(lst)
        tail = lst.tail
        parent.remove(lst)
        new = []
        for g in groups:
            if isinstance(g, list):
                if not g:
                    continue
                part = etree.Element(lst.tag)
                if lst.get("start") and not new:
                    part.set("start", lst.get("start"))
                for li in g:
                    part.append(li)
                new.append(part)
            else:
                g.tail = None
                new.append(g)
        for k, n in enumerate(new):
            parent.insert(at + k, n)
        if new:
            new[-1].tail = tail


# -- rule: list-item bullets and bold labels ------------------------------------------------

_LABEL_TAGS = frozenset({"b", "strong", "span"})


def items_and_labels(content: etree._Element, r: MarkupRules) -> None:
    """Strip typed bullets/numbers opening a li; mark a bold label opening a p or li
    ("<b>Risks:</b> text", "<strong>Incision</strong> - text") with data-ingest-label."""
    for li in content.iter("li"):
        text = li.text or ""
        if text.strip():
            m = r.bullet.match(text)
            if m and (len(text) > len(m[0]) or len(li)):
                li.text = strip_marks(text, r)
    for el in content.iter("p", "li"):
        if not len(el) or (el.text or "").strip() or el[0].tag not in _LABEL_TAGS:
            continue
        bold = el[0]
        if bold.tag == "span" and not (class_words(bold) & r.bold_words or r.bold_style.search(bold.get("style") or "")):
            continue
        label = clean_text(text_of(bold))
        rest = clean_text((bold.tail or "") + "".join(
            (text_of(c) if isinstance(c.tag, str) else "") + (c.tail or "") for c in el[1:]))
        if not label or not rest.strip(r.label_strip) or len(label.split()) > r.label_words:
            continue
        label = label.strip(r.label_strip)
        if label:
            el.set(LABEL, label)
