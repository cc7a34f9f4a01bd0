"""The walker: a pruned, normalised BeautifulSoup tree -> blocks in reading order.

It only sees the canonical vocabulary the normaliser leaves: h1-h6 (with
data-ingest-form for canonicalised headings), p, ul/ol/li, dl/dt/dd, table,
data-ingest-label on paragraphs and items, plus inline markup.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from ingest.parse.blocks import Block, BlockKind, clean_text
from ingest.parse.text import looks_like_heading

HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Tags whose boundaries separate words when flattening inline text.
BREAKING_TAGS = frozenset(
    "p div br li td th tr dt dd h1 h2 h3 h4 h5 h6 section article blockquote table ul ol "
    "details summary figcaption header pre address".split()
)
# Tags handled as blocks by the walker (everything else is inline content).
BLOCK_TAGS = BREAKING_TAGS | {"dl", "main", "body", "html", "figure", "hr", "thead", "tbody", "tfoot"}
BOLD_TAGS = frozenset({"strong", "b"})
_NESTED_BLOCKS = frozenset({"ul", "ol", "table", "p", "div"})
_LISTS = frozenset({"ul", "ol"})
SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
FORM_ATTR = "data-ingest-form"
LABEL_ATTR = "data-ingest-label"
LEVEL_ATTR = "data-ingest-level"


def inline_text(tag: Tag, skip: frozenset[str] = frozenset()) -> str:
    """Flatten a tag's text, with spaces only at block boundaries (so 'e.<em>g</em>.' stays 'e.g.')."""
    parts: list[str] = []
    append = parts.append
    stack: list = [tag]
    while stack:
        node = stack.pop()
        kind = node.__class__
        if kind is NavigableString:  # (most nodes: tested by class first, isinstance only for the others)
            append(node)  # (str.join reads a str subclass as its text, as str(node) would)
            continue
        if kind is not Tag and isinstance(node, NavigableString):
            if not isinstance(node, SKIP_STRINGS):
                append(node)
            continue
        if node is not tag:
            name = node.name
            if name in skip:
                continue
            if name in BREAKING_TAGS:
                append(" ")
        stack.extend(reversed(node.contents))
    return clean_text("".join(parts))


def _holds_block(node: Tag) -> bool:
    """True when a block element (list, table, paragraph, div) sits anywhere inside node."""
    stack = list(node.contents)
    while stack:
        d = stack.pop()
        if d.__class__ is NavigableString or isinstance(d, NavigableString):
            continue
        if d.name in _NESTED_BLOCKS:
            return True
        stack.extend(d.contents)
    return False


def _is_bold_only(p: Tag) -> bool:
    """True when every visible string of p sits inside <strong>/<b>."""
    seen = False
    for s in p.strings:
        if isinstance(s, SKIP_STRINGS) or not s.strip():
            continue
        parent = s.parent
        while parent is not None and parent is not p and parent.name not in BOLD_TAGS:
            parent = parent.parent
        if parent is None or parent is p:
            if s.strip() in (":", "?"):
                continue
            return False
        seen = True
    return seen


class _Walker:
    """Turns a (pruned) BeautifulSoup tree into blocks, iteratively (no recursion limit)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.next_list = 0
        self.last_level = 0  # level of the last real h1-h6, for canonicalised headings

    def run(self, top: Tag) -> list[Block]:
        # Each frame: (iterator over children, pending inline strings).
        stack: list[tuple] = [(iter(top.contents), [])]
        while stack:
            children, inline = stack[-1]
            node = next(children, None)
            if node is None:
                self._flush(inline)
                stack.pop()
                continue
            if isinstance(node, NavigableString):
                if not isinstance(node, SKIP_STRINGS):
                    inline.append(node)
                continue
            name = node.name
            if name not in BLOCK_TAGS:
                inline.append(node)  # inline element: part of the current paragraph run
                continue
            self._flush(inline)
            if name == "br" or name == "hr":
                continue
            handled = self._block(node)
            if not handled:
                stack.append((iter(node.contents), []))
        return self.blocks

    def _flush(self, inline: list) -> None:
        if not inline:
            return
        texts = []
        bold = True
        for node in inline:
            if isinstance(node, NavigableString):
                if str(node).strip() not in ("", ":", "?"):
                    bold = False
                texts.append(str(node))
            else:
                if node.name not in BOLD_TAGS and not _is_bold_only(node):
                    bold = False
                texts.append(inline_text(node))
        inline.clear()
        text = clean_text("".join(texts))
        if text:
            self._paragraph(text, bold)

    def _paragraph(self, text: str, bold: bool, label: str = "") -> None:
        if bold and looks_like_heading(text):
            self._heading(text, "bold")
        else:
            self.blocks.append(Block(BlockKind.PARAGRAPH, text, label=label))

    def _heading(self, text: str, form: str, level: int = 0) -> None:
        """A heading block; canonicalised ones (level 0) sit one below the last real heading."""
        if level:
            self.last_level = level
        elif self.last_level:
            level = min(self.last_level + 1, 6)
        self.blocks.append(Block(BlockKind.HEADING, text, level=level, form=form))

    def _block(self, node: Tag) -> bool:
        """Emit blocks for node; False means 'descend into it as a container'."""
        name = node.name
        if name in HEADING_TAGS:
            text = inline_text(node)
            if text:
                form = node.get(FORM_ATTR)
                if form:
                    level = node.get(LEVEL_ATTR)
                    if level and level.isdigit():  # stated by a heading class: not a real heading's level
                        self.blocks.append(Block(BlockKind.HEADING, text, level=int(level), form=form))
                    else:
                        self._heading(text, form)
                else:
                    self._heading(text, name, HEADING_TAGS[name])
            return True
        if name == "p" or name == "pre" or name == "address" or name == "figcaption":
            if _holds_block(node):
                return False  # broken nesting: treat as container
            text = inline_text(node)
            if text:
                self._paragraph(text, name == "p" and _is_bold_only(node), node.get(LABEL_ATTR) or "")
            return True
        if name in ("ul", "ol"):
            self._list(node, ordered=name == "ol")
            return True
        if name == "li":  # stray item outside a list
            self._items([node], ordered=False, start=1)
            return True
        if name in ("dt", "summary"):
            text = inline_text(node)
            if text:
                self._heading(text, "dt" if name == "dt" else "accordion")
            return True
        if name == "table":
            self._table(node)
            return True
        return False

    def _list(self, node: Tag, ordered: bool) -> None:
        items = [c for c in node.children if isinstance(c, Tag) and c.name == "li"]
        try:
            start = int(node.get("start", 1))
        except (TypeError, ValueError):
            start = 1
        self._items(items, ordered, start)
        for item in items:  # nested lists become lists of their own, after their parent item
            for sub in item.children:
                if getattr(sub, "name", None) in ("ul", "ol"):
                    self._list(sub, ordered=sub.name == "ol")

    def _items(self, items: list[Tag], ordered: bool, start: int) -> None:
        self.next_list += 1
        n = 0
        for li in items:
            text = inline_text(li, skip=_LISTS)
            if not text:
                continue
            self.blocks.append(Block(BlockKind.ITEM, text, list_id=self.next_list,
                                     ordinal=start + n if ordered else None, label=li.get(LABEL_ATTR) or ""))
            n += 1

    def _table(self, node: Tag) -> None:
        for tr in node.find_all("tr"):
            cells = tuple(inline_text(c) for c in tr.find_all(("td", "th"), recursive=False))
            if any(cells):
                is_header = all(c.name == "th" for c in tr.find_all(("td", "th"), recursive=False))
                self.blocks.append(Block(BlockKind.ROW, " | ".join(cells), cells=cells, header=is_header))


def soup_blocks(soup: BeautifulSoup | Tag) -> list[Block]:
    """Blocks of a BeautifulSoup tree in reading order."""
    return _Walker().run(soup)
