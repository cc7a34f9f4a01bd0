"""Parse report.html with the stdlib parser: the tags, attributes and text it really contains."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.cards: dict[str, str] = {}
        self._in_style = False
        self._metric: str | None = None
        self._in_value = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"
        if tag == "div" and attrs.get("data-metric"):
            self._metric = attrs["data-metric"]
        elif tag == "div" and attrs.get("class") == "value" and self._metric:
            self._in_value = True

    def handle_endtag(self, tag):
        self._in_style = False
        if self._in_value and tag == "div":
            self._in_value, self._metric = False, None

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
        else:
            self.text.append(data)
        if self._in_value and self._metric:
            self.cards[self._metric] = self.cards.get(self._metric, "") + data

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def tag_names(self) -> set[str]:
        return {t for t, _ in self.tags}


def resource_problems(html: str) -> list[str]:
    """Anything that would make the page load or run something: scripts, external resources, handlers."""
    page = Page(html)
    problems = [f"<{t}> element" for t in sorted(page.tag_names() & {"script", "img", "link", "iframe", "object",
                                                                     "embed", "video", "audio", "source", "base",
                                                                     "form", "image"})]
    for t, attrs in page.tags:
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on"):
                problems.append(f"<{t} {name}=...> event handler")
            local_link = name == "href" and value.startswith("#")
            if name in ("src", "srcset", "href", "action", "poster", "data") and not local_link:
                problems.append(f"<{t} {name}={value!r}>")
            if name == "style" and not re.fullmatch(r"width:\d+(\.\d+)?%", value):
                problems.append(f"<{t} style={value!r}>")
    css = "".join(page.styles)
    if re.search(r"url\(|@import|https?://", css, re.I):
        problems.append("CSS references an external resource")
    return problems
