"""The normaliser's data (data/markup.toml, compiled once), canonical markers and the small
tree helpers its rules share."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lxml import etree

from ingest.parse.blocks import clean_text
from ingest.parse.tree import remove_keep_tail, text_of  # noqa: F401 - remove_keep_tail: used by the rules

FORM = "data-ingest-form"
LABEL = "data-ingest-label"
LEVEL = "data-ingest-level"  # a canonical heading's level stated by a heading class ("h5")
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
ROW_BLOCKERS = ("ul", "ol", "table", "h1", "form")
SPLIT = re.compile(r"[\s_\-]+")
NUMERIC = re.compile(r"^[\s$€£¥₹+~≈<>]*\d[\d\s.,:/%–-]*(?:\s*\w{0,6}\.?)?$")


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
    bold_endings: tuple[str, ...]  # endings of compound heading-like class words ("pagetitle")
    bold_max_chars: int
    bullet: re.Pattern[str]  # a typed bullet or number at the start of a line
    number: re.Pattern[str]  # a typed number at the start of a line
    typed_bullet: re.Pattern[str]  # a typed bullet glyph (no number) at the start of a line
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
        bold_endings=tuple(b["class_word_endings"]),
        bold_max_chars=b["max_chars"],
        bullet=re.compile(rf"^\s*(?:{numbers}|{bullets})", re.I),
        number=re.compile(rf"^\s*(?:{numbers})", re.I),
        typed_bullet=re.compile(rf"^\s*(?:{bullets})"),
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


# -- helpers -------------------------------------------------------------------------------

def class_words(el: etree._Element) -> set[str]:
    value = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('role') or ''}".lower()
    return set(SPLIT.split(value)) - {""}


def short_text(el: etree._Element, limit: int) -> str | None:
    """el's cleaned text when it is at most limit characters long, else None (cheap on big subtrees)."""
    raw = text_of(el)
    if len(raw) > limit * 4 + 200:
        return None
    text = clean_text(raw)
    return text if len(text) <= limit else None


def make_heading(el: etree._Element, form: str) -> None:
    """Turn el into a canonical heading in place (attributes kept for chrome pruning)."""
    level = class_level(el)
    el.tag = "h6"
    el.set(FORM, form)
    if level:
        el.set(LEVEL, str(level))


def class_level(el: etree._Element) -> int:
    """The heading level a CSS heading class states (Bootstrap's "h4" on a p or span), else 0."""
    levels = {w for w in class_words(el) if len(w) == 2 and w[0] == "h" and w[1] in "123456"}
    return int(levels.pop()[1]) if len(levels) == 1 else 0


def in_heading(el: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc.tag in HEADINGS:
            return True
    return False


def append_text(el: etree._Element, text: str) -> None:
    if not text:
        return
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def has_blocks(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag not in INLINE for c in el.iter() if c is not el)


def is_icon(el: etree._Element, r: MarkupRules) -> bool:
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


def replace_with(el: etree._Element, new: list[etree._Element]) -> None:
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
        append_text(parent, tail) if i == 0 else None
