"""HTML -> blocks, in phases on one lxml tree, then one BeautifulSoup walk:

1. head metadata (head.py)
2. content root; invisible content and site chrome pruned (prune.py, data/chrome.toml), but
   buttons, svg and img kept for the next step
3. normalization of site markup into a canonical vocabulary (normalize.py, data/markup.toml),
   on the pruned tree, whose class attributes are still there; then buttons/svg/img dropped
   and attributes slimmed (prune.py)
4. the walk over the canonical fragment with BeautifulSoup (walk.py)

lxml parses the whole page in well under a millisecond; BeautifulSoup costs ~30x
more, so it only sees the pruned main-content fragment (chrome is never parsed
twice), and stays the extraction API for everything that reads content.
"""

from __future__ import annotations

import re

from ingest.parse.decode import strip_xml_declaration
from ingest.parse.tree import parse_document, text_of, to_html
from ingest.parse.blocks import ParsedPage, clean_text
from ingest.parse.chrome import chrome_rules
from ingest.parse.head import read_head, read_title_candidates
from ingest.parse.normalize import normalize
from ingest.parse.prune import content_root, drop_late, prune, slim
from ingest.parse.soup import fragment_soup
from ingest.parse.walk import BLOCK_TAGS, inline_text, soup_blocks

__all__ = ["parse_html", "inline_text", "soup_blocks"]


def parse_html(text: str) -> ParsedPage:
    """Parse a decoded HTML page (as decode_page returns it: XML-incompatible control characters
    already dropped) into head metadata and main-content blocks."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    text = strip_xml_declaration(text)
    if not text.strip():
        raise ValueError("page has no markup")
    root = parse_document(text)
    page = ParsedPage(blocks=[], markup_truncated=_truncated_markup(text))
    read_head(root, page)
    read_title_candidates(root, page, text)
    rules = chrome_rules()
    content = content_root(root, rules)
    h1 = content.find(".//h1") if content is not None else None
    if h1 is None:
        h1 = next((h for h in root.iter("h1") if not _in_chrome(h, rules)), None)
    if h1 is not None:
        page.title = clean_text(text_of(h1)) or None
    if content is None:
        return page
    prune(content, rules)
    normalize(content)
    drop_late(content, rules)
    slim(content, BLOCK_TAGS)
    fragment = to_html(content)
    soup = fragment_soup(fragment)
    try:
        page.blocks = soup_blocks(soup)
    finally:
        soup.decompose()  # break BeautifulSoup's reference cycles now, not in the GC
    return page


def _in_chrome(el, rules) -> bool:
    """True when el sits in a footer, nav, aside or other chrome container."""
    return any(anc.tag in rules.drop_tags or anc.tag == "footer" for anc in el.iterancestors())


_CLOSING = re.compile(r"</(?:html|body)\s*>\s*$", re.I)
_OPEN_AT_END = re.compile(r"<[a-z][^>]*$|<(?:td|th|tr|li|p)\b[^>]*>[^<]*$", re.I)


def _truncated_markup(text: str) -> bool:
    """True when the page stops mid-tag or inside an open cell/item (no closing body/html)."""
    tail = text[-2000:].rstrip()
    return not _CLOSING.search(tail) and bool(_OPEN_AT_END.search(tail))
