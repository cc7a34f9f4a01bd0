"""Normalization rules for <br>/newline lines and typed paragraphs: lists, titled lines, paragraphs."""

from __future__ import annotations

import re

from lxml import etree

from ingest.parse.blocks import clean_text
from ingest.parse.markup import (
    BOLD,
    FORM,
    INLINE,
    LEVEL,
    LINE_HOSTS,
    MarkupRules,
    REPLACED_HOSTS,
    append_text,
    is_icon,
    make_heading,
    replace_with,
    class_words,
    class_level,
)
from ingest.parse.text import looks_like_heading
from ingest.parse.tree import text_of


# -- rule: <br>/newline lines -> lists, title + text, paragraphs ----------------------------

def lines(content: etree._Element, r: MarkupRules, brs: list, paragraphs: list) -> None:
    """Split inline runs at <br> (and at newlines before typed bullets): typed-bullet or
    typed-number lines become list items, a bold, title or first question line followed by text becomes a
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
        if p.tag in BOLD or (p.tag == "span" and (class_words(p) & r.bold_words or r.bold_style.search(p.get("style") or ""))):
            seen = True
        else:
            return False
    return seen


def _css_bold(el: etree._Element, r: MarkupRules) -> bool:
    return bool(class_words(el) & r.bold_words or r.bold_style.search(el.get("style") or ""))


def _labelled_line(line: list, r: MarkupRules) -> bool:
    """The line opens with a bold (or bold-class span) label followed by more text."""
    for i, p in enumerate(line):
        if isinstance(p, str):
            if p.strip():
                return False
            continue
        if not (p.tag in BOLD or (p.tag == "span" and (class_words(p) & r.bold_words or r.bold_style.search(p.get("style") or "")))):
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
        return p if (is_icon(p, r) and p.tag in ("i", "svg", "img", "span")) else None
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
        elif _bold_line(line, r) and looks_like_heading(text) and any(texts[i + 1:]):
            kinds.append("title")
        elif _labelled_line(line, r):
            kinds.append("labelled")
        else:
            kinds.append("text")
    first = next((i for i, k in enumerate(kinds) if k != "blank"), None)
    host_level = 0  # the level the host's heading class gives its first line, when that is a title
    if (first is not None and kinds[first] == "text" and _css_bold(el, r) and looks_like_heading(texts[first])
            and any(texts[first + 1:])):
        kinds[first] = "title"  # <p class="h5">Title<br>text</p>: the host's bold/heading class is its first line's
        host_level = class_level(el)
    elif (first is not None and kinds[first] == "text" and texts[first].endswith(("?", "？"))
          and len(texts[first]) <= r.bold_max_chars and ". " not in texts[first] and any(texts[first + 1:])):
        kinds[first] = "title"  # <p>Question?<br>answer</p>: a one-sentence question line over its answer
    _statement_lines(el, texts, kinds, r)
    n_items = sum(k in ("bullet", "number", "line") for k in kinds)
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
    announced = False  # the previous line is a lead-in ending with ':'
    for i, (line, text, kind) in enumerate(zip(raw, texts, kinds)):
        if kind == "blank":
            cur, gap = None, True
            continue
        was_announced, announced = announced, kind == "text" and text.rstrip().endswith((":", "：", ":-"))
        if kind == "labelled":
            announced = was_announced
        if kind == "line":  # one statement a line after a lead-in or a title: a list, one item a line
            if lst is None or lst.tag != "ul" or lst.get(_LABELLED) is not None:
                lst = etree.Element("ul")
                new.append(lst)
            last_li = etree.SubElement(lst, "li")
            _fill(last_li, line)
            cur, gap, last_li = None, False, None
        elif kind in ("bullet", "number"):
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
            level = _line_level(line) or (host_level if i == first else 0)
            if level:
                h.set(LEVEL, str(level))
            _fill(h, line)
            new.append(h)
            cur = lst = last_li = None
            gap = False
        elif kind == "labelled" and (announced or (lst is not None and lst.get(_LABELLED) is not None)):
            # "<b>Label:</b> text" lines after a lead-in ending with ':' are a list, one item a line
            if lst is None or lst.get(_LABELLED) is None:
                lst = etree.Element("ul", {_LABELLED: ""})
                new.append(lst)
            last_li = etree.SubElement(lst, "li")
            _fill(last_li, line)
            cur, gap, announced = None, False, False
        elif kind == "labelled":  # otherwise one paragraph per labelled line
            cur = etree.Element("p")
            _fill(cur, line)
            new.append(cur)
            cur = lst = last_li = None
            gap = False
        elif last_li is not None and not gap:
            append_text(last_li, " ")
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
        replace_with(el, new)
    else:
        el.text = None
        for child in list(el):
            el.remove(child)
        for n in new:
            el.append(n)


_LEAD_ENDS = (":", "\uff1a", ":-")
_CONTINUED_ENDS = (",", ";", "-", "\u2013", "\u2014", "&", "/")


def _opens_statement(text: str) -> bool:
    """A line that starts a statement of its own: its first letter is not lower case (scripts without
    case count), so it does not carry on the sentence of the line before it."""
    first = next((ch for ch in text if ch.isalnum()), "")
    return bool(first) and not first.islower()


def _statement_lines(el: etree._Element, texts: list[str], kinds: list[str], r: MarkupRules) -> None:
    """Plain text lines that each state one thing, one a line, right after a lead-in ending with ':' (in
    the same host or the element before it) or a title line, are a list the markup wrote with <br>: at
    least `min_items + 1` such lines in a row become kind "line" (one item a line). A line that ends with
    a comma or opens in lower case continues a sentence: the run stops there."""
    before = el.getprevious()
    announced = before is not None and isinstance(before.tag, str) and text_of(before).rstrip().endswith(_LEAD_ENDS)
    run: list[int] = []

    def close() -> None:
        if len(run) > r.min_items:
            for j in run:
                kinds[j] = "line"
        run.clear()

    for i, (text, kind) in enumerate(zip(texts, kinds)):
        if kind == "blank":
            continue
        if kind == "title":
            close()
            announced = True
            continue
        if kind != "text":
            close()
            announced = False
            continue
        if announced and _opens_statement(text) and not (run and texts[run[-1]].endswith(_CONTINUED_ENDS)):
            if text.endswith(_LEAD_ENDS):
                close()  # a new lead-in: its own list follows
            else:
                run.append(i)
                continue
        else:
            close()
        announced = text.endswith(_LEAD_ENDS)
    close()


def _line_level(line: list) -> int:
    """The level a heading class states on a line's only element (<span class="h4">Title</span>)."""
    els = [p for p in line if not isinstance(p, str)]
    return class_level(els[0]) if len(els) == 1 else 0


_LABELLED = "data-ingest-labelled"  # a list made of labelled lines (dropped by slim)


def _strip_bullet(line: list, r: MarkupRules) -> list:
    """The line without its leading typed bullet/number or icon."""
    out = list(line)
    for i, p in enumerate(out):
        if isinstance(p, str):
            if not p.strip():
                continue
            out[i] = strip_marks(p, r)
            return out
        if is_icon(p, r):
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
            append_text(target, p)
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
                    x.text = strip_marks(x.text or "", r)
                    x.tag = "li"
                    x.attrib.clear()
                    tail, x.tail = x.tail, None
                    lst.append(x)
                    if tail and tail.strip():
                        append_text(x, " " + tail)
            run = []


def _typed(p: etree._Element, r: MarkupRules) -> bool:
    text = p.text or ""
    m = r.bullet.match(text)
    return m is not None and (len(text) > m.end() or len(p) > 0)


def strip_marks(text: str, r: MarkupRules) -> str:
    """Leading typed number and/or bullet removed ("1. - text" -> "text")."""
    for _ in range(2):
        m = r.bullet.match(text)
        if not m:
            break
        text = text[m.end():]
    return text


# -- rule: a question standing alone as a paragraph -> a heading ------------------------------

def question_paragraphs(r: MarkupRules, paragraphs: list) -> None:
    """A <p> that is one short question ("What are the benefits?") followed by more content in
    its container reads as the heading of what follows: it becomes a heading of form "question"."""
    for p in paragraphs:
        if p.getparent() is None or p.get(FORM) or len(p) and any(c.tag not in INLINE for c in p):
            continue
        nxt = p.getnext()
        if nxt is None or not isinstance(nxt.tag, str) or nxt.tag not in ("p", "ul", "ol", "div", "dl", "table"):
            continue
        text = clean_text(text_of(p))
        if (not text.endswith(("?", "？")) or len(text) > r.bold_max_chars or ". " in text
                or "? " in text):
            continue
        if _bold_line([p.text or "", *(part for child in p for part in (child, child.tail or ""))], r):
            continue  # a bold-only line is the walker's "bold" heading already
        make_heading(p, "question")
