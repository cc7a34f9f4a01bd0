"""The BeautifulSoup tree of the pruned fragment, built from lxml's tree of it.

`BeautifulSoup(fragment, "lxml")` feeds the fragment to lxml's push parser with bs4's builder as
its target: libxml2 calls back into Python for every tag and text, and bs4's lxml builder spends
a third of the tree build rebuilding attribute dicts and looking up namespaces an HTML page never
has. Here the same push parser (same options, same str input) builds its own lxml tree in C, and
one loop over that tree hands bs4's BeautifulSoup object the same events in the same order
(start tag, text, end tag, tail), so the resulting soup is the same tree, built by bs4's own
methods. The walker (walk.py) still reads it through BeautifulSoup's API.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.builder._lxml import LXMLTreeBuilder
from bs4.element import Comment, ProcessingInstruction
from lxml import etree

_DOCTYPE = re.compile(r"<!doctype", re.I)  # lxml's tree keeps a doctype outside it (and invents one when absent)


class _TreeBuilder(LXMLTreeBuilder):
    """bs4's lxml HTML builder, replaying lxml's finished tree instead of its parser callbacks."""

    def feed(self, markup) -> None:
        if not isinstance(markup, str) or _DOCTYPE.search(markup):  # bs4's own route (never taken by parse_html)
            super().feed(markup)
            return
        try:  # (UTF-8 bytes, as parse/tree.py feeds the document: lxml hands a str beyond Latin-1 to libxml2
            data, encoding = markup.encode("utf-8"), "utf-8"  # as UCS-4 through iconv, a large part of the parse)
        except UnicodeEncodeError:  # lone surrogates: lxml's own handling of the str
            data, encoding = markup, None
        parser = etree.HTMLParser(recover=True, huge_tree=self.huge_tree, encoding=encoding)  # bs4's parser_for(None), no target
        try:
            parser.feed(data)
            root = parser.close()
        except etree.LxmlError:  # nothing parsed: bs4's own route decides what that is
            root = None
        if root is None or root.getprevious() is not None or root.getnext() is not None:
            super().feed(markup)  # no tree, or top-level comments/PIs: bs4's own route
            return
        self._replay(root)

    def _replay(self, root: etree._Element) -> None:
        soup = self.soup
        start, end, data, end_data = soup.handle_starttag, soup.handle_endtag, soup.handle_data, soup.endData
        namespaces = self.active_namespace_prefixes[-1]
        attribute_dict = self.attribute_dict_class
        stack: list = [root]
        while stack:
            el = stack.pop()
            if el.__class__ is tuple:  # (element,): its end tag, then its tail
                el = el[0]
                end_data()
                end(el.tag, None)
                if el.tail:
                    data(el.tail)
                continue
            tag = el.tag
            if tag is etree.Comment or tag is etree.PI:
                end_data()
                data((el.text or "") if tag is etree.Comment else f"{el.target} {el.text or ''}")
                end_data(Comment if tag is etree.Comment else ProcessingInstruction)
                if el.tail:
                    data(el.tail)
                continue
            start(tag, None, None, attribute_dict(el.attrib), namespaces=namespaces)
            if el.text:
                data(el.text)
            stack.append((el,))
            if len(el):
                stack.extend(reversed(el))


def fragment_soup(fragment: str) -> BeautifulSoup:
    """BeautifulSoup(fragment, "lxml"), built without lxml's per-node callbacks into Python."""
    return BeautifulSoup(fragment, builder=_TreeBuilder())
