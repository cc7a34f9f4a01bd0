"""The lxml tree the HTML phases share: plain lxml.etree elements (no lxml.html element classes,
whose Python class lookup runs for every element a phase touches)."""

from __future__ import annotations

import re

from lxml import etree

_PARSER = etree.HTMLParser()  # libxml2's HTML parser, as lxml.html uses it, without the class lookup
# The same parser fed UTF-8 bytes: lxml hands a str beyond Latin-1 (an emoji is enough) to libxml2
# as UCS-4/UTF-16 through iconv, which costs a third of the parse; UTF-8 is libxml2's own encoding.
_UTF8_PARSER = etree.HTMLParser(encoding="utf-8")
_STRING = etree.XPath("string()", smart_strings=False)


_END_TAG = re.compile(rb"</(?:body|html)\s*>", re.I)
_END_TAG_START = re.compile(rb"</[bBhH][oOtT][dDmM][yYlL]")  # (case-sensitive: a faster scan than re.I)
_ELEMENT_START = re.compile(rb"<[a-zA-Z]")


def _without_early_end_tags(data: bytes) -> bytes:
    """The markup without `</body>`/`</html>` end tags that markup follows: libxml2 drops what comes
    after them, a browser shows it (pages assembled from whole documents, a header include closing its own)."""
    m = next((m for m in _END_TAG_START.finditer(data) if m.group().lower() in (b"</body", b"</html")), None)
    if m is None or not _ELEMENT_START.search(data, m.end()):
        return data
    return _END_TAG.sub(b"", data)


def parse_document(text: str) -> etree._Element:
    """The document element of an HTML string; raises etree.ParserError when there is none."""
    try:
        data = None if text.startswith("<?xml") else text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: lxml's own handling of the str
        data = None
    # (a leading XML declaration also goes as str, so that lxml refuses one that names an encoding, as before)
    root = etree.fromstring(text, _PARSER) if data is None else etree.fromstring(_without_early_end_tags(data), _UTF8_PARSER)
    if root is None:
        raise etree.ParserError("Document is empty")
    _body_out_of_head(root)
    return root


# What a <head> holds; the first other element starts the body, as a browser parses it.
_HEAD_TAGS = frozenset({"meta", "link", "title", "style", "script", "noscript", "base", "template"})


def _body_out_of_head(root: etree._Element) -> None:
    """Move the page's content out of <head> into a <body> when the document has no <body>: libxml2
    keeps elements it does not know (HTML5's <header>, <section>) in a <head> whose body tag was
    omitted, where a browser starts the body at the first element that is not head content."""
    head = root.find("head")
    if head is None or root.find("body") is not None:
        return
    first = next((i for i, el in enumerate(head) if isinstance(el.tag, str) and el.tag not in _HEAD_TAGS), None)
    if first is None:
        return
    body = etree.SubElement(root, "body")
    for el in list(head)[first:]:
        body.append(el)  # (moves it, tail included)


def text_of(el: etree._Element) -> str:
    """All text inside el (not its tail), like lxml.html's text_content()."""
    return _STRING(el)


def to_html(el: etree._Element) -> str:
    """el serialised as HTML, its tail included (as lxml.html.tostring does)."""
    return etree.tostring(el, encoding="unicode", method="html")


def remove_keep_tail(el: etree._Element, keep_blank_tail: bool = True) -> None:
    """Remove el, keeping the text that followed it in place (whitespace-only tails too,
    unless keep_blank_tail is False)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail and (keep_blank_tail or tail.strip()):
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
