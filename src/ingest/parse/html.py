"""HTML -> blocks: prune to main content with lxml, then walk it with BeautifulSoup.

lxml parses the whole page in well under a millisecond; BeautifulSoup costs ~30x
more, so it only sees the pruned main-content fragment (chrome is never parsed
twice), and stays the extraction API for everything that reads content.
"""

from __future__ import annotations

import json
import re

import lxml.html
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction
from lxml import etree

from ingest.parse.blocks import Block, BlockKind, ParsedPage, clean_text
from ingest.parse.chrome import ChromeRules, chrome_rules

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
SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
META_KEYS = ("description", "article:modified_time", "article:published_time", "og:updated_time",
             "last-modified", "dcterms.modified", "date", "og:type", "og:site_name")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")


def parse_html(text: str) -> ParsedPage:
    """Parse a decoded HTML page into head metadata and main-content blocks."""
    text = _XML_DECL.sub("", text.replace("\x00", ""), count=1)
    if not text.strip():
        raise ValueError("page has no markup")
    root = lxml.html.document_fromstring(text)
    page = ParsedPage(blocks=[], markup_truncated=_truncated_markup(text))
    _read_head(root, page)
    rules = chrome_rules()
    content = _content_root(root, rules)
    h1 = content.find(".//h1") if content is not None else None
    if h1 is None:
        h1 = root.find(".//h1")
    if h1 is not None:
        page.title = clean_text(h1.text_content()) or None
    if content is None:
        return page
    _prune(content, rules)
    _slim(content)
    fragment = lxml.html.tostring(content, encoding="unicode")
    soup = BeautifulSoup(fragment, "lxml")
    try:
        page.blocks = soup_blocks(soup)
    finally:
        soup.decompose()  # break BeautifulSoup's reference cycles now, not in the GC
    return page


_CLOSING = re.compile(r"</(?:html|body)\s*>\s*$", re.I)
_OPEN_AT_END = re.compile(r"<[a-z][^>]*$|<(?:td|th|tr|li|p)\b[^>]*>[^<]*$", re.I)


def _truncated_markup(text: str) -> bool:
    """True when the page stops mid-tag or inside an open cell/item (no closing body/html)."""
    tail = text[-2000:].rstrip()
    return not _CLOSING.search(tail) and bool(_OPEN_AT_END.search(tail))


def _read_head(root: etree._Element, page: ParsedPage) -> None:
    title = root.find(".//title")
    if title is not None:
        page.head_title = clean_text(title.text_content()) or None
    for link in root.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            page.canonical_url = link.get("href").strip()
            break
    for meta in root.iterfind(".//meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = meta.get("content")
        if not key or value is None:
            continue
        if key == "og:url":
            page.og_url = value.strip()
        elif key == "og:title":
            page.og_title = clean_text(value)
        elif key in META_KEYS:
            page.meta.setdefault(key, value.strip())
    for script in root.iterfind(".//script[@type]"):
        if script.get("type", "").strip().lower() == "application/ld+json" and script.text:
            page.json_ld.extend(_json_ld_objects(script.text))


def _json_ld_objects(raw: str) -> list[dict]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    found: list[dict] = []
    stack = [data]
    while stack and len(found) < 50:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            found.append(item)
            if isinstance(item.get("@graph"), list):
                stack.extend(reversed(item["@graph"]))
    return found


_ROOT_CANDIDATE_TAGS = ("main", "article", "body", "div", "section")


def _content_root(root: etree._Element, rules: ChromeRules) -> etree._Element | None:
    """The first element of the highest-priority content-root rule, in one pass over the
    container elements (XPath over the whole document costs ~10x more)."""
    checks = rules.content_root_checks
    best_rank, best = len(checks), None
    for el in root.iter(*_ROOT_CANDIDATE_TAGS):
        for rank in range(best_rank):
            if checks[rank](el):
                best_rank, best = rank, el
                break
        if best_rank == 0:
            break
    return best


def _is_chrome(el: etree._Element, rules: ChromeRules) -> bool:
    tag = el.tag
    if not isinstance(tag, str):
        return True  # comments, processing instructions
    if tag in rules.drop_tags:
        return True
    if tag == "header" and el.find(".//h1") is None:
        return True
    role = el.get("role")
    if role and role.lower() in rules.drop_roles:
        return True
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    attrs = f"{el.get('class', '')} {el.get('id', '')}".lower()
    if not attrs.strip():
        return False
    tokens = set(_TOKEN_SPLIT.split(attrs))
    return bool(tokens & rules.drop_tokens) and not (tokens & rules.keep_tokens)


def _prune(content: etree._Element, rules: ChromeRules) -> None:
    etree.strip_elements(content, *rules.drop_tags, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    candidates = content.xpath(_CANDIDATES)
    doomed = [el for el in candidates if _is_chrome(el, rules)]
    for el in doomed:
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail
        prev = el.getprevious()
        parent.remove(el)
        if tail and tail.strip():  # keep text that followed the dropped element
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail


# Elements that may be chrome beyond their tag name: the only ones _is_chrome inspects.
_CANDIDATES = ".//*[@class or @id or @role or @hidden or @aria-hidden or self::header]"


def _slim(content: etree._Element) -> None:
    """Drop what BeautifulSoup would only pay for: attributes (but ol/@start) and
    whitespace-only text between block elements (about half of all text nodes)."""
    for el in content.iter():
        if el.attrib:
            start = el.get("start") if el.tag == "ol" else None
            el.attrib.clear()
            if start is not None:
                el.set("start", start)
        if el.tag in BLOCK_TAGS:
            if el.tail is not None and not el.tail.strip():
                el.tail = None
            if el.text is not None and len(el) and el[0].tag in BLOCK_TAGS and not el.text.strip():
                el.text = None


def inline_text(tag: Tag, skip: frozenset[str] = frozenset()) -> str:
    """Flatten a tag's text, with spaces only at block boundaries (so 'e.<em>g</em>.' stays 'e.g.')."""
    parts: list[str] = []
    stack: list = [tag]
    while stack:
        node = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, SKIP_STRINGS):
                parts.append(str(node))
            continue
        if node is not tag:
            if node.name in skip:
                continue
            if node.name in BREAKING_TAGS:
                parts.append(" ")
        stack.extend(reversed(node.contents))
    return clean_text("".join(parts))


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

    def _paragraph(self, text: str, bold: bool) -> None:
        if bold and len(text) <= 120 and not text.endswith("."):
            self.blocks.append(Block(BlockKind.HEADING, text, form="bold"))
        else:
            self.blocks.append(Block(BlockKind.PARAGRAPH, text))

    def _block(self, node: Tag) -> bool:
        """Emit blocks for node; False means 'descend into it as a container'."""
        name = node.name
        if name in HEADING_TAGS:
            text = inline_text(node)
            if text:
                self.blocks.append(Block(BlockKind.HEADING, text, level=HEADING_TAGS[name], form=name))
            return True
        if name == "p" or name == "pre" or name == "address" or name == "figcaption":
            if any(getattr(d, "name", None) in _NESTED_BLOCKS for d in node.descendants):
                return False  # broken nesting: treat as container
            text = inline_text(node)
            if text:
                self._paragraph(text, name == "p" and _is_bold_only(node))
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
                self.blocks.append(Block(BlockKind.HEADING, text, form=name))
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
            text = inline_text(li, skip=frozenset({"ul", "ol"}))
            if not text:
                continue
            self.blocks.append(Block(BlockKind.ITEM, text, list_id=self.next_list,
                                     ordinal=start + n if ordered else None))
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
