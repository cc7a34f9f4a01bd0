"""Parse a decoded page by its file type, sniffing HTML saved as .txt and text saved as .html."""

from __future__ import annotations

import re

from lxml import etree

from ingest.errors import PageError
from ingest.parse.blocks import ParsedPage
from ingest.parse.html import parse_html
from ingest.parse.text import parse_text

_HTML_SNIFF = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|meta|div|p|h[1-6])\b", re.I | re.S)


def parse_page(name: str, text: str) -> ParsedPage:
    """Blocks of a page whose file is called `name`: a .txt file is text unless it looks like HTML;
    other files are HTML, or text when they do not look like HTML and yield no blocks as HTML."""
    is_text = name.lower().endswith(".txt")
    looks_html = bool(_HTML_SNIFF.match(text[:2000]))
    try:
        if is_text and not looks_html:
            page = parse_text(text)
        else:
            page = parse_html(text)
            if not page.blocks and not looks_html:
                page = parse_text(text)
        page.path = name
        return page
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, RecursionError) as exc:
        raise PageError("parse_error", f"{type(exc).__name__}: {exc}"[:300]) from exc
