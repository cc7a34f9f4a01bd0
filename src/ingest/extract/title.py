"""The page's title: main h1, else og:title, else <title>, without the site name, else the top heading.

A head title counts only when its words are the page's own: at least half of them occur in
the page's headings (a <title> that is only the site's name, "Smith Dental Clinic", does not).
Site-name parts are cut at the separators of the page's language (" | ", " - ", ...) and
og:site_name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.extract.lang import LangData
from ingest.extract.wording import content_tokens, normalize_heading
from ingest.parse.blocks import BlockKind, ParsedPage
from ingest.parse.chrome import chrome_rules

OWN_WORDS = 0.5  # share of a head title's words that must occur in the page's headings


def _tokens(text: str) -> frozenset[str]:
    return content_tokens(normalize_heading(text))


@lru_cache(maxsize=64)
def _separator_pattern(separators: tuple[str, ...]) -> re.Pattern[str] | None:
    pattern = "|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True))
    return re.compile(pattern) if pattern else None


def split_title(title: str, separators: tuple[str, ...]) -> list[str]:
    """A head title cut into its parts at the separators (" | ", " - ", ...)."""
    pattern = _separator_pattern(separators)
    return [p.strip() for p in pattern.split(title) if p.strip()] if pattern else [title.strip()]


def own_part(title: str, heading_words: frozenset[str], site_name: str | None, separators: tuple[str, ...]) -> str | None:
    """The parts of a head title that name the page (not the site), joined as the page wrote them."""
    parts = split_title(title, separators)
    site = _tokens(site_name) if site_name else frozenset()
    kept: list[str] = []
    for part in parts:
        words = _tokens(part)
        own = bool(words) and words != site and len(words & heading_words) >= OWN_WORDS * len(words)
        if own:
            kept.append(part)
        elif kept:
            break
    if not kept:
        return None
    if len(kept) == len(parts):
        return title.strip()
    first = title.find(kept[0])
    last = title.find(kept[-1], first) + len(kept[-1])
    return title[first:last].strip() if first >= 0 and last > first else kept[0]


def top_heading(page: ParsedPage, skip: str | None = None) -> str | None:
    """The first heading of the highest level on the page (chrome headings and `skip` left out)."""
    rules = chrome_rules()
    headings = [b for b in page.blocks if b.kind is BlockKind.HEADING and b.level and not rules.is_chrome_text(b.text)
                and b.text != skip]
    if not headings:
        return None
    top = min(b.level for b in headings)
    return next(b.text for b in headings if b.level == top)


def _heading_within(page: ParsedPage, own: str) -> str | None:
    """The first heading whose words are all in the head title's own part and make at least half of it
    ("Cochlear Implant" in "Specialists in Cochlear Implant"): the page's own wording of its name."""
    words = _tokens(own)
    for b in page.blocks:
        if b.kind is BlockKind.HEADING and (tokens := _tokens(b.text)) and tokens <= words \
                and len(tokens) >= OWN_WORDS * len(words) and tokens != words:
            return b.text
    return None


def _heading_sharing(page: ParsedPage, own: str) -> str | None:
    """The heading sharing the most words with the head title's own part, when they make at least
    half of it (the page's own, longer wording of its name: "A enucleação da próstata com holmium laser"
    for "Cirurgia laser prostata")."""
    words = _tokens(own)
    best, best_n = None, 0
    for b in page.blocks:
        if b.kind is BlockKind.HEADING and (n := len(_tokens(b.text) & words)) > best_n:
            best, best_n = b.text, n
    return best if words and best_n >= OWN_WORDS * len(words) else None


def _names_procedure(text: str, lang: LangData) -> bool:
    return any(p.search(text) for p in lang.evidence.get("procedure_lexicon", ()))


def site_name_h1(page: ParsedPage, lang: LangData) -> bool:
    """True when the h1 is the site's name, not the page's: it equals og:site_name, or a head-title part
    that is not the page's own (the " | Clinic" suffix), or the whole head title when neither names a
    procedure (a logo h1 repeating a <title> that is only the site's name)."""
    h1 = _tokens(page.title or "")
    if not h1:
        return False
    site = page.meta.get("og:site_name")
    if site and _tokens(site) == h1:
        return True
    head = page.og_title or page.head_title
    if not head:
        return False
    parts = split_title(head, lang.separators)
    if len(parts) > 1 and normalize_heading(head) == normalize_heading(page.title or ""):
        return not _names_procedure(head, lang)  # the h1 repeats the whole head title, separator and all
    if len(parts) > 1:
        return any(_tokens(p) == h1 for p in parts[1:]) and _tokens(parts[0]) != h1
    return _tokens(head) == h1 and not _names_procedure(head, lang)


def _heading_words(page: ParsedPage) -> frozenset[str]:
    return frozenset().union(*(_tokens(b.text) for b in page.blocks if b.kind is BlockKind.HEADING))


def page_title(page: ParsedPage, lang: LangData) -> tuple[str | None, str]:
    """(title, where it came from: h1 | og:title | title | heading | '')."""
    site = page.meta.get("og:site_name")
    skip = None
    if page.title and site_name_h1(page, lang):
        skip, site = page.title, site or page.title  # the logo's h1: the title is found as when there is no h1
    elif page.title:
        head = page.og_title or page.head_title
        if not head or _tokens(page.title) & _tokens(head):
            return page.title, "h1"
        # An h1 sharing no word with the head title is a slogan or the site's name; a heading naming
        # the head title's own part (else sharing most of its words) is the page's title.
        own = own_part(head, _heading_words(page), site, lang.separators)
        named = next((b.text for b in page.blocks if b.kind is BlockKind.HEADING and own
                      and _tokens(own) <= _tokens(b.text)), None) or (_heading_sharing(page, own) if own else None)
        return (named, "heading") if named else (page.title, "h1")
    heading = top_heading(page, skip)
    heading_words = _heading_words(page)
    for how, candidate in (("og:title", page.og_title), ("title", page.head_title)):
        if candidate and (own := own_part(candidate, heading_words, site, lang.separators)):
            named = _heading_within(page, own)
            if named:
                return named, "heading"
            if heading and not _names_procedure(own, lang) and _names_procedure(heading, lang):
                return heading, "heading"  # a head title naming no procedure is the site's name
            return own, how
    return (heading, "heading") if heading else (None, "")
