"""Check a procedure corpus: every truth string occurs verbatim in its page's visible text.

Stdlib only, independent of the project's extractor. Visible text: the body's text without
comments, script/style/template/noscript/head, elements marked hidden / aria-hidden="true" /
display:none; block-level tags and <br> read as a space, inline tags as nothing; entities decoded;
whitespace collapsed. Also checks the entry format (keys, site slug, every page has an entry).

    python3 tests/corpus/tools/check_truth.py tests/corpus/procedures
    python3 tests/corpus/tools/check_truth.py --outline PAGE.html   # headings / items, for labelling
"""
from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

SKIP = {"script", "style", "template", "noscript", "head", "svg", "select", "option"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "mark",
          "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "label", "del", "ins"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6", "dt", "summary", "button"}
FIELDS = {"indications", "risks", "preparation", "procedure_steps", "recovery", "alternatives",
          "benefits", "personnel"}
TEXTS = {"summary", "duration", "setting"}


def _hidden(attrs: dict) -> bool:
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "hidden" in attrs or attrs.get("aria-hidden") == "true" or "display:none" in style


class Visible(HTMLParser):
    """Collect visible text; with outline=True also a rough outline (headings, li, p) for reading."""

    def __init__(self, outline: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hides)
        self.hide = 0
        self.outline = outline

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hides = tag in SKIP or _hidden(a)
        if tag not in VOID:
            self.stack.append((tag, hides))
            self.hide += hides
        if tag == "br" or tag not in INLINE:
            self.parts.append(" ")
        if self.outline and not self.hide and tag not in INLINE and tag != "br":
            mark = f"[{tag.upper()}] " if tag in HEADINGS else ("  - " if tag == "li" else "")
            cls = a.get("class") or ""
            self.parts.append(f"\n{mark}" if tag in HEADINGS | {"li", "p", "div", "tr"} else "")
            if tag == "p" and cls:
                self.parts.append("")
        if self.outline and tag in {"b", "strong"} and not self.hide:
            self.parts.append("**")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.outline and tag in {"b", "strong"} and not self.hide:
            self.parts.append("**")
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, hides in self.stack[i:]:
                    self.hide -= hides
                del self.stack[i:]
                break
        if tag not in INLINE:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.hide:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's visible text, whitespace collapsed."""
    p = Visible()
    p.feed(html)
    p.close()
    return re.sub(r"\s+", " ", "".join(p.parts)).strip()


def outline(html: str) -> str:
    p = Visible(outline=True)
    p.feed(html)
    p.close()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", ln).strip() for ln in "".join(p.parts).split("\n"))
    return "\n".join(ln for ln in lines if ln and ln not in {"-", "**", "****"})


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def check(corpus: Path) -> int:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    pages = {p.name for p in (corpus / "pages").glob("*.html")}
    errors: list[str] = []
    for name in sorted(pages - truth.keys()):
        errors.append(f"{name}: page without truth entry")
    for name, e in truth.items():
        if name not in pages:
            errors.append(f"{name}: truth entry without page")
            continue
        if set(e) - {"is_procedure", "title", "site", "sections", "texts", "notes"} or not {
                "is_procedure", "title", "site", "sections", "texts"} <= set(e):
            errors.append(f"{name}: bad keys {sorted(e)}")
        if e.get("site") != name.split("__")[0]:
            errors.append(f"{name}: site {e.get('site')!r} is not the file-name slug")
        if set(e["sections"]) - FIELDS or set(e["texts"]) - TEXTS:
            errors.append(f"{name}: unknown field {sorted(set(e['sections']) - FIELDS)} {sorted(set(e['texts']) - TEXTS)}")
        if not e["is_procedure"] and (e["sections"] or e["texts"]):
            errors.append(f"{name}: negative with sections/texts")
        raw = (corpus / "pages" / name).read_bytes()
        text = visible_text(raw.decode("utf-8", errors="replace"))
        strings = [("title", e["title"])]
        strings += [(f"{f}[{i}]", s) for f, items in e["sections"].items() for i, s in enumerate(items)]
        strings += [(k, v) for k, v in e["texts"].items()]
        for where, s in strings:
            if not s or norm(s) != s:
                errors.append(f"{name}: {where} empty or not whitespace-collapsed: {s[:60]!r}")
            elif s not in text:
                errors.append(f"{name}: {where} not in visible text: {s[:90]!r}")
        for f, items in e["sections"].items():
            if not items:
                errors.append(f"{name}: empty section {f}")
    for err in errors:
        print(err)
    n = sum(len(v["sections"].get(f, [])) for v in truth.values() for f in FIELDS)
    print(f"{len(truth)} entries, {len(pages)} pages, {n} items: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    if sys.argv[1] == "--outline":
        print(outline(Path(sys.argv[2]).read_bytes().decode("utf-8", errors="replace")))
        sys.exit(0)
    sys.exit(check(Path(sys.argv[1])))
