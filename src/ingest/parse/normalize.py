"""Normalization: rewrite site markup into the small canonical vocabulary the walker reads.

Runs on the lxml content root after invisible content is gone and before chrome pruning
(so accordion buttons and class attributes are still there), driven by data/markup.toml
(cf. trafilatura's htmlprocessing.convert_tags). The canonical vocabulary:

- headings: h1-h6; canonicalised ones are <h6 data-ingest-form="accordion|bold|span-br">
  (the walker gives them the level below the last real heading);
- lists: ul/ol/li (typed bullets and numbers stripped, ol/@start kept);
- label/value pairs: dl/dt/dd;
- a bold label opening a p/li: data-ingest-label on that p/li.

Each rule is one function below, applied in this order: titles, css_bold, bold_br, lines,
cards, icon_runs, tables,
list_children, items_and_labels.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lxml import etree

from ingest.parse.tree import text_of
from ingest.parse.blocks import clean_text

FORM = "data-ingest-form"
LABEL = "data-ingest-label"
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BOLD = frozenset({"b", "strong"})
# Inline tags: an element holding only these (and text) is one run of lines.
INLINE = frozenset("a abbr b bdi bdo br cite code data dfn em font i img kbd mark q s samp small span "
                   "strong sub sup svg time u var wbr big tt".split())
# Elements whose <br>-separated lines may be lists, paragraphs or title + text.
LINE_HOSTS = frozenset({"p", "div", "td", "dd", "section", "article", "blockquote", "font", "span", "center"})
# A p cannot hold the blocks a rewrite produces: it is replaced by them instead.
REPLACED_HOSTS = frozenset({"p", "span", "font"})
# Blocks a bullet-like row or card may not contain.
_ROW_BLOCKERS = ("ul", "ol", "table", "h1", "form")
_SPLIT = re.compile(r"[\s_\-]+")
_NUMERIC = re.compile(r"^[\s$€£¥₹+~≈<>]*\d[\d\s.,:/%–-]*(?:\s*\w{0,6}\.?)?$")


@dataclass(frozen=True)
class MarkupRules:
    """The compiled contents of data/markup.toml."""

    toggle_attrs: tuple[str, ...]
    toggle_set: frozenset[str]  # toggle attributes and role
    container_words: frozenset[str]
    title_words: frozenset[str]
    exclude_words: frozenset[str]
    title_max_chars: int
    container_re: re.Pattern[str]  # a container word somewhere in a class attribute
    bold_words: frozenset[str]
    bold_style: re.Pattern[str]
    bold_re: re.Pattern[str]  # a bold word somewhere in a class attribute
    bold_max_chars: int
    bullet: re.Pattern[str]  # a typed bullet or number at the start of a line
    number: re.Pattern[str]  # a typed number at the start of a line
    newline_bullets: re.Pattern[str]
    min_items: int
    icon_tags: frozenset[str]
    icon_glyph: int
    icon_min_run: int
    card_heading_tags: frozenset[str]
    card_min_run: int
    not_card_tags: frozenset[str]
    card_heading_words: int
    card_paragraph_words: int
    table_min_rows: int
    table_label_words: int
    table_numeric_share: float
    label_strip: str
    label_words: int


@lru_cache(maxsize=1)
def markup_rules() -> MarkupRules:
    """The packaged normalization rules (cached, XPath compiled once)."""
    data = tomllib.loads(resources.files("ingest.data").joinpath("markup.toml").read_text("utf-8"))
    t, b, ln, ic, c, tb, lb = (data[k] for k in ("titles", "bold", "lines", "icons", "cards", "tables", "labels"))
    words = sorted(set(t["container_words"]))
    bullets, numbers = ln["bullets"], ln["numbers"]
    return MarkupRules(
        toggle_attrs=tuple(t["toggle_attrs"]),
        toggle_set=frozenset(t["toggle_attrs"]) | {"role"},
        container_words=frozenset(words),
        title_words=frozenset(t["title_words"]),
        exclude_words=frozenset(t["exclude_words"]),
        title_max_chars=t["max_chars"],
        container_re=re.compile("|".join(map(re.escape, words)), re.I),
        bold_words=frozenset(b["class_words"]),
        bold_style=re.compile(b["style"], re.I),
        bold_re=re.compile("|".join(map(re.escape, sorted(set(b["class_words"])))), re.I),
        bold_max_chars=b["max_chars"],
        bullet=re.compile(rf"^\s*(?:{numbers}|{bullets})", re.I),
        number=re.compile(rf"^\s*(?:{numbers})", re.I),
        newline_bullets=re.compile(rf"\n\s*(?:{bullets})"),
        min_items=ln["min_items"],
        icon_tags=frozenset(ic["tags"]),
        icon_glyph=ic["max_glyph_chars"],
        icon_min_run=ic["min_run"],
        card_heading_tags=frozenset(c["heading_tags"]),
        card_min_run=c["min_run"],
        not_card_tags=frozenset(c["not_card_tags"]),
        card_heading_words=c["max_heading_words"],
        card_paragraph_words=c["max_paragraph_words"],
        table_min_rows=tb["min_rows"],
        table_label_words=tb["max_label_words"],
        table_numeric_share=tb["max_numeric_share"],
        label_strip=lb["strip"],
        label_words=lb["max_words"],
    )


def normalize(content: etree._Element, rules: MarkupRules | None = None) -> None:
    """Rewrite content in place into the canonical vocabulary (see the module docstring)."""
    r = rules or markup_rules()
    c = _collect(content, r)
    titles(content, r, c.titles)
    css_bold(content, r, c.bold)
    bold_br(c.brs)
    lines(content, r, c.brs, c.paragraphs)
    typed_paragraphs(r, c.paragraphs)
    cards(content, r, c.card_heads)
    icon_runs(content, r, c.icons)
    tables(content, r, c.tables)
    list_children(c.lists)
    items_and_labels(content, r)


@dataclass
class _Candidates:
    titles: list
    bold: list
    brs: list
    paragraphs: list
    card_heads: list
    icons: list
    tables: list
    lists: list


def _collect(content: etree._Element, r: MarkupRules) -> _Candidates:
    """Every rule's candidate elements, in one pass over the (pruned) tree: cheaper than one
    XPath per rule."""
    c = _Candidates([], [], [], [], [], [], [], [])
    toggles = r.toggle_set
    for el in content.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag == "br":
            c.brs.append(el)
            continue
        cls = el.get("class")
        if tag == "button" or tag == "summary" or (cls and r.container_re.search(cls)):
            c.titles.append(el)
        else:
            keys = el.keys()
            if keys and not toggles.isdisjoint(keys):
                c.titles.append(el)
        if tag == "p" or tag == "div" or tag == "span":
            if (cls and r.bold_re.search(cls)) or "font-weight" in (el.get("style") or ""):
                c.bold.append(el)
            if tag == "p":
                c.paragraphs.append(el)
        if tag in HEADINGS and tag != "h1":
            c.card_heads.append(el)
        elif tag == "table":
            c.tables.append(el)
        elif tag == "ul" or tag == "ol":
            c.lists.append(el)
        if tag in r.icon_tags and el.getprevious() is None:
            c.icons.append(el)
    return c


# -- helpers -------------------------------------------------------------------------------

def _words(el: etree._Element) -> set[str]:
    value = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('role') or ''}".lower()
    return set(_SPLIT.split(value)) - {""}


def _short_text(el: etree._Element, limit: int) -> str | None:
    """el's cleaned text when it is at most limit characters long, else None (cheap on big subtrees)."""
    raw = text_of(el)
    if len(raw) > limit * 4 + 200:
        return None
    text = clean_text(raw)
    return text if len(text) <= limit else None


def _heading(el: etree._Element, form: str) -> None:
    """Turn el into a canonical heading in place (attributes kept for chrome pruning)."""
    el.tag = "h6"
    el.set(FORM, form)


def _in_heading(el: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc.tag in HEADINGS:
            return True
    return False


def _remove(el: etree._Element) -> None:
    """Remove el, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _append_text(el: etree._Element, text: str) -> None:
    if not text:
        return
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def _has_blocks(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag not in INLINE for c in el.iter() if c is not el)


def _is_icon(el: etree._Element, r: MarkupRules) -> bool:
    """An element that shows no text (or one glyph): <i class="fa ...">, svg, img, an empty styled box."""
    tag = el.tag
    if not isinstance(tag, str) or tag not in r.icon_tags:
        return False
    if tag == "svg" or tag == "img":
        return True
    text = el.text
    if (text and len(text.strip()) > r.icon_glyph) or len(el) > 3:
        return False
    shown = text_of(el)
    return (len(shown) < 200 and len("".join(shown.split())) <= r.icon_glyph
            and el.find(".//p") is None)


def _replace(el: etree._Element, new: list[etree._Element]) -> None:
    """Put new elements where el stands (el's tail follows the last one)."""
    parent = el.getparent()
    i = parent.index(el)
    tail = el.tail
    parent.remove(el)
    for k, n in enumerate(new):
        parent.insert(i + k, n)
    if new:
        new[-1].tail = (new[-1].tail or "") + (tail or "")
    elif tail:
        _append_text(parent, tail) if i == 0 else None


# -- rule: accordion / tab / toggle titles -> headings ---------------------------------------

def titles(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """Accordion, tab and toggle titles (and details > summary) become headings of form
    "accordion"; a tab title whose panel is in the page moves to the start of that panel."""
    for el in candidates:
        if el.getparent() is None or not isinstance(el.tag, str):
            continue
        words = _words(el)
        values = " ".join((el.get(a) or "") for a in ("data-toggle", "data-bs-toggle")).lower()
        is_tab = el.get("role") == "tab" or bool({"tab", "pill"} & set(values.split()))
        if not is_tab and (words & r.exclude_words or set(values.split()) & r.exclude_words):
            continue  # a menu or dialog toggle (a tab list is often styled as "nav")
        context = words | _words(el.getparent())
        toggled = any(el.get(a) is not None for a in r.toggle_attrs) or el.get("role") == "tab"
        if el.tag == "summary":
            is_title = True
        elif el.tag == "button" or toggled:
            is_title = bool(context & r.container_words) or toggled
        else:
            is_title = bool(words & r.container_words and words & r.title_words)
        if not is_title:
            continue
        text = _short_text(el, r.title_max_chars)
        if not text or el.tag in HEADINGS:
            continue
        if _in_heading(el):
            el.tag = "span"  # a button inside a real heading: keep its text, the heading stays
            continue
        if any(d.tag in HEADINGS for d in el.iterdescendants()) or _has_blocks_beyond_inline(el):
            continue
        panel = _panel(content, el)
        if panel is not None:
            h = etree.Element("h6", {FORM: "accordion"})
            h.text = text
            h.tail = panel.text
            panel.text = None
            panel.insert(0, h)
            _remove(el)
        else:
            _heading(el, "accordion")


def _has_blocks_beyond_inline(el: etree._Element) -> bool:
    return any(isinstance(d.tag, str) and d.tag in ("p", "ul", "ol", "table", "li", "dl") for d in el.iterdescendants())


_ID_XPATH = etree.XPath(".//*[@id=$i]")


def _panel(content: etree._Element, el: etree._Element) -> etree._Element | None:
    """The tab panel a tab title points to (aria-controls, data-target, href="#id"), when it is
    not where the title already stands."""
    if el.get("role") != "tab" and "tab" not in (el.get("data-toggle") or el.get("data-bs-toggle") or ""):
        return None
    ref = el.get("aria-controls") or el.get("data-bs-target") or el.get("data-target") or el.get("href") or ""
    ref = ref.strip().lstrip("#")
    if not ref or not re.fullmatch(r"[\w:.-]+", ref):
        return None
    found = _ID_XPATH(content, i=ref)
    if not found:
        return None
    panel = found[0]
    if panel is el or any(a is panel for a in el.iterancestors()):
        return None
    return panel


# -- rule: CSS-bold short lines -> headings --------------------------------------------------

def css_bold(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """A short p/div made bold or heading-like by class words or inline style becomes a heading
    of form "bold" (a span only when it is the whole content of its parent line)."""
    for el in candidates:
        if el.getparent() is None or el.get(FORM):
            continue
        words = _words(el)
        if not (words & r.bold_words or r.bold_style.search(el.get("style") or "")):
            continue
        if el.tag == "span":
            parent = el.getparent()
            if (parent is None or parent.tag not in ("div", "td", "section") or (parent.text or "").strip()
                    or (el.tail or "").strip() or len(parent) != 1):
                continue
        text = _short_text(el, r.bold_max_chars)
        if not text or text.endswith(".") or _has_blocks(el):
            continue
        if _in_heading(el) or any(a.tag in ("li", "a", "button", "p") for a in el.iterancestors()):
            continue
        _heading(el, "bold")


# -- rule: <strong>Label<br></strong> -> the <br> after the bold ----------------------------

def bold_br(brs: list) -> None:
    """Move a <br> that ends a bold/span run out after it, so the run reads as a line of its own."""
    for br in brs:
        parent = br.getparent()
        if parent is None or parent.tag not in ("b", "strong", "span", "em", "font") or parent[-1] is not br:
            continue
        if (br.tail or "").strip():
            continue
        grand = parent.getparent()
        if grand is None:
            continue
        parent.remove(br)
        br.tail = parent.tail
        parent.tail = None
        grand.insert(grand.index(parent) + 1, br)


# -- rule: <br>/newline lines -> lists, title + text, paragraphs ----------------------------

def lines(content: etree._Element, r: MarkupRules, brs: list, paragraphs: list) -> None:
    """Split inline runs at <br> (and at newlines before typed bullets): typed-bullet or
    typed-number lines become list items, a bold or title line followed by text becomes a
    heading (form "span-br"), and a <p> split by an empty line becomes several paragraphs."""
    hosts = {}
    for br in brs:
        parent = br.getparent()
        if parent is not None:
            hosts[id(parent)] = parent
    for p in paragraphs:
        direct = (p.text or "") + "".join(c.tail or "" for c in p)
        if "\n" in direct and r.newline_bullets.search(direct):
            hosts.setdefault(id(p), p)
    for el in hosts.values():
        if el.tag in LINE_HOSTS and el.getparent() is not None and not _has_child_blocks(el):
            _rewrite_lines(el, r)


def _has_child_blocks(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag not in INLINE for c in el)


def _split_lines(el: etree._Element, r: MarkupRules) -> list[list]:
    direct = (el.text or "") + "".join(c.tail or "" for c in el)
    by_newline = "\n" in direct and bool(r.newline_bullets.search(direct))
    out: list[list] = [[]]

    def add(text: str | None) -> None:
        if not text:
            return
        parts = text.split("\n") if by_newline else [text]
        out[-1].append(parts[0])
        for part in parts[1:]:
            out.append([part])

    add(el.text)
    for child in el:
        tail = child.tail
        if child.tag == "br":
            out.append([])
        elif isinstance(child.tag, str):
            out[-1].append(child)
        add(tail)
    return out


def _line_text(line: list) -> str:
    return clean_text("".join(p if isinstance(p, str) else text_of(p) for p in line))


def _bold_line(line: list, r: MarkupRules) -> bool:
    """Every visible character of the line is inside b/strong or a bold/title span."""
    seen = False
    for p in line:
        if isinstance(p, str):
            if p.strip() not in ("", ":", "-", "–"):
                return False
            continue
        if not clean_text(text_of(p)):
            continue
        if p.tag in BOLD or (p.tag == "span" and (_words(p) & r.bold_words or r.bold_style.search(p.get("style") or ""))):
            seen = True
        else:
            return False
    return seen


def _css_bold(el: etree._Element, r: MarkupRules) -> bool:
    return bool(_words(el) & r.bold_words or r.bold_style.search(el.get("style") or ""))


def _labelled_line(line: list, r: MarkupRules) -> bool:
    """The line opens with a bold (or bold-class span) label followed by more text."""
    for i, p in enumerate(line):
        if isinstance(p, str):
            if p.strip():
                return False
            continue
        if not (p.tag in BOLD or (p.tag == "span" and (_words(p) & r.bold_words or r.bold_style.search(p.get("style") or "")))):
            return False
        label = clean_text(text_of(p))
        if not label or len(label.split()) > r.label_words:
            return False
        rest = "".join(x if isinstance(x, str) else text_of(x) for x in line[i + 1:])
        return bool(rest.strip(r.label_strip + " \n\t"))
    return False


def _lead_icon(line: list, r: MarkupRules):
    for p in line:
        if isinstance(p, str):
            if p.strip():
                return None
            continue
        return p if (_is_icon(p, r) and p.tag in ("i", "svg", "img", "span")) else None
    return None


def _rewrite_lines(el: etree._Element, r: MarkupRules) -> None:
    raw = _split_lines(el, r)
    texts = [_line_text(line) for line in raw]
    kinds = []
    for i, (line, text) in enumerate(zip(raw, texts)):
        if not text:
            kinds.append("blank")
        elif r.bullet.match(text) and len(text) > len(r.bullet.match(text)[0]):
            kinds.append("number" if r.number.match(text) else "bullet")
        elif _lead_icon(line, r) is not None:
            kinds.append("bullet")
        elif _bold_line(line, r) and len(text) <= 120 and any(texts[i + 1:]):
            kinds.append("title")
        elif _labelled_line(line, r):
            kinds.append("labelled")
        else:
            kinds.append("text")
    first = next((i for i, k in enumerate(kinds) if k != "blank"), None)
    if (first is not None and kinds[first] == "text" and _css_bold(el, r) and len(texts[first]) <= 120
            and not texts[first].endswith(".") and any(texts[first + 1:])):
        kinds[first] = "title"  # <p class="h5">Title<br>text</p>: the host's bold/heading class is its first line's
    n_items = sum(k in ("bullet", "number") for k in kinds)
    has_title = "title" in kinds
    content_lines = [k for k in kinds if k != "blank"]
    splits = el.tag == "p" and any(
        kinds[i] == "blank" and any(k != "blank" for k in kinds[:i]) and any(k != "blank" for k in kinds[i + 1:])
        for i in range(len(kinds)))
    n_labelled = kinds.count("labelled")
    if n_items < r.min_items and not has_title and not splits and n_labelled < 2:
        return
    if n_labelled < 2:
        kinds = ["text" if k == "labelled" else k for k in kinds]
    if n_items < r.min_items:  # lone typed bullets are text
        kinds = ["text" if k in ("bullet", "number") else k for k in kinds]
    if len(content_lines) < 2:
        return
    new: list[etree._Element] = []
    cur = None  # open paragraph
    lst = None  # open list
    last_li = None
    gap = False
    for line, text, kind in zip(raw, texts, kinds):
        if kind == "blank":
            cur, gap = None, True
            continue
        if kind in ("bullet", "number"):
            tag = "ol" if kind == "number" else "ul"
            if lst is None or lst.tag != tag:
                lst = etree.Element(tag)
                m = re.match(r"\D*(\d+)", text) if kind == "number" else None
                if m and int(m[1]) > 1:
                    lst.set("start", m[1])
                new.append(lst)
            last_li = etree.SubElement(lst, "li")
            _fill(last_li, _strip_bullet(line, r))
            cur, gap = None, False
        elif kind == "title":
            h = etree.Element("h6", {FORM: "span-br"})
            _fill(h, line)
            new.append(h)
            cur = lst = last_li = None
            gap = False
        elif kind == "labelled":  # one paragraph per "<b>Label:</b> text" line
            cur = etree.Element("p")
            _fill(cur, line)
            new.append(cur)
            cur = lst = last_li = None
            gap = False
        elif last_li is not None and not gap:
            _append_text(last_li, " ")
            _fill(last_li, line)
        else:
            if cur is None:
                cur = etree.Element("p")
                new.append(cur)
                lst = last_li = None
            else:
                cur.append(etree.Element("br"))
            _fill(cur, line)
            gap = False
    if el.tag in REPLACED_HOSTS:
        _replace(el, new)
    else:
        el.text = None
        for child in list(el):
            el.remove(child)
        for n in new:
            el.append(n)


def _strip_bullet(line: list, r: MarkupRules) -> list:
    """The line without its leading typed bullet/number or icon."""
    out = list(line)
    for i, p in enumerate(out):
        if isinstance(p, str):
            if not p.strip():
                continue
            out[i] = _strip_marks(p, r)
            return out
        if _is_icon(p, r):
            out[i] = ""
            return out
        text = p.text or ""
        if text.strip() and r.bullet.match(text):
            p.text = r.bullet.sub("", text, count=1)
        return out
    return out


def _fill(target: etree._Element, line: list) -> None:
    for p in line:
        if isinstance(p, str):
            _append_text(target, p)
        else:
            p.tail = None
            target.append(p)


# -- rule: sibling paragraphs opening with typed numbers/bullets -> a list -------------------

def typed_paragraphs(r: MarkupRules, paragraphs: list) -> None:
    """Runs of sibling <p> that each open with a typed number or bullet ("1. - text", "• text")
    become one list (ol for numbers), the typed marks stripped."""
    seen: dict[int, etree._Element] = {}
    for p in paragraphs:
        parent = p.getparent()
        if parent is None or id(parent) in seen or not _typed(p, r):
            continue
        seen[id(parent)] = parent
        run: list = []
        for child in list(parent) + [None]:
            if child is not None and child.tag == "p" and _typed(child, r):
                run.append(child)
                continue
            if len(run) >= r.min_items:
                numbered = all(r.number.match(x.text or "") for x in run)
                lst = etree.Element("ol" if numbered else "ul")
                parent.insert(parent.index(run[0]), lst)
                for x in run:
                    x.text = _strip_marks(x.text or "", r)
                    x.tag = "li"
                    x.attrib.clear()
                    tail, x.tail = x.tail, None
                    lst.append(x)
                    if tail and tail.strip():
                        _append_text(x, " " + tail)
            run = []


def _typed(p: etree._Element, r: MarkupRules) -> bool:
    text = p.text or ""
    m = r.bullet.match(text)
    return m is not None and (len(text) > m.end() or len(p) > 0)


def _strip_marks(text: str, r: MarkupRules) -> str:
    """Leading typed number and/or bullet removed ("1. - text" -> "text")."""
    for _ in range(2):
        m = r.bullet.match(text)
        if not m:
            break
        text = text[m.end():]
    return text


# -- rule: runs of icon rows -> a list -------------------------------------------------------

def icon_runs(content: etree._Element, r: MarkupRules, candidates: list) -> None:
    """Runs of sibling rows (same tag and class) that open with an icon (i.fa-check, svg, img,
    an empty styled span/div, a one-glyph span such as ✓) become one list, icons dropped."""
    rows = {}
    for icon in candidates:
        if icon.getprevious() is not None or not _is_icon(icon, r):
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
    if any(True for _ in row.iter(*_ROW_BLOCKERS)) or len(row.findall(".//p")) > 1:
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
            _remove(row)
            continue
        for m in markers:
            if m.getparent() is not None:
                _remove(m)
        tail = unit.tail
        unit.tail = None
        li = etree.SubElement(ul, "li")
        li.append(unit)
        if tail and tail.strip():
            li.tail = tail


def _ordinal(el: etree._Element) -> bool:
    return bool(re.search(r"\d", clean_text(text_of(el))))


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
        ordinals = [c for c in texty if _is_ordinal_text(clean_text(text_of(c)), r)]
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
            numeric = sum(bool(_NUMERIC.match(v)) for v in values)
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
            _replace(table, [dl])


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
                li.text = _strip_marks(text, r)
    for el in content.iter("p", "li"):
        if not len(el) or (el.text or "").strip() or el[0].tag not in _LABEL_TAGS:
            continue
        bold = el[0]
        if bold.tag == "span" and not (_words(bold) & r.bold_words or r.bold_style.search(bold.get("style") or "")):
            continue
        label = clean_text(text_of(bold))
        rest = clean_text((bold.tail or "") + "".join(
            (text_of(c) if isinstance(c.tag, str) else "") + (c.tail or "") for c in el[1:]))
        if not label or not rest.strip(r.label_strip) or len(label.split()) > r.label_words:
            continue
        label = label.strip(r.label_strip)
        if label:
            el.set(LABEL, label)
