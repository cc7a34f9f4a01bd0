"""The identify pass: the page's title as a scored choice among candidates.

The head-title rules (extract/title.py) propose a title. The URL slug and the breadcrumb's last
item vote: when the proposed title may be the site's (none, a "Book an appointment" widget heading,
the head title, an h1 holding the site's name) and shares no specific word with any voter, the candidate that agrees best with the voters
wins: an h1 anywhere in the document (a banner or breadcrumb container is pruned as chrome), a
heading at the top of the main content, or the breadcrumb item itself. A title taken from the head title
that only decorates the breadcrumb's item ("CT Scan in <town>" over "CT Scan") gives way to the item;
one that shares a word with the voters gives way to a candidate that agrees with them better. An h1 that
does not open the main content (pruned with a footer, or after the content's first heading) is weighed
like a proposal that may be the site's. Weights: data/identify.toml.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from urllib.parse import unquote, urlsplit

from ingest.extract import meta
from ingest.extract.lang import LangData, specific_words, with_english
from ingest.extract.title import split_title
from ingest.extract.wording import content_tokens, normalize_heading
from ingest.parse.blocks import BlockKind, ParsedPage
from ingest.parse.chrome import chrome_rules

_SLUG_NOISE = frozenset({"html", "htm", "php", "aspx", "asp", "index", "page", "default", "www"})


@lru_cache(maxsize=1)
def settings() -> dict:
    """data/identify.toml, with its not_titles compiled."""
    data = tomllib.loads(resources.files("ingest.data").joinpath("identify.toml").read_text("utf-8"))
    data["not_titles"] = re.compile("|".join(f"(?:{p})" for p in data["not_titles"]), re.I)
    return data


_ELISION = re.compile(r"\b\w['\u2019]")  # "L'otoplastie", "d'une": the article is not part of the word


def _tokens(text: str) -> frozenset[str]:
    return content_tokens(normalize_heading(_ELISION.sub(" ", text)))


def is_not_title(text: str) -> bool:
    """A call to action, widget heading or greeting ("Book an appointment", "Welcome to our clinic")."""
    return bool(settings()["not_titles"].match(text.strip()))


def slug_words(page: ParsedPage) -> frozenset[str]:
    """The words of the page's URL slug: the canonical URL's last path segment, else its file name
    (a flattened path "site__page.html" keeps its last part)."""
    segment = ""
    url = meta.page_url(page)
    if url:
        segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    if not segment and page.path:
        segment = page.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit("__", 1)[-1]
    segment = segment.rsplit(".", 1)[0] if "." in segment else segment
    words = normalize_heading(segment.replace("_", " ").replace("+", " ")).split()
    return content_tokens(" ".join(w for w in words if w not in _SLUG_NOISE and not w.isdigit()))


_WORD_SPAN = re.compile(r"[^\W_]+")


def _slug_segment_words(page: ParsedPage) -> list[str]:
    """The URL slug's words in order, small words included ("cirurgia-de-catarata")."""
    url = meta.page_url(page)
    segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) if url else ""
    if not segment and page.path:
        segment = page.path.replace("\\", "/").rsplit("/", 1)[-1].rsplit("__", 1)[-1]
    segment = segment.rsplit(".", 1)[0] if "." in segment else segment
    return normalize_heading(segment.replace("_", " ").replace("+", " ")).split()


def slug_phrase(page: ParsedPage, lang: LangData, scan: int) -> str | None:
    """The page's own spelling of the name its URL slug gives, when one of the slug's words names
    something specific (not "procedure"): a part of the head title sharing such a word ("Terapia
    manualna" for "manual-therapy"), else the first run of words in the head title or the first `scan`
    blocks that folds to the slug's words ("Cirurgia de Catarata" for "cirurgia-de-catarata")."""
    words = _slug_segment_words(page)
    if not words or words[-1] in _SLUG_NOISE or any(w.isdigit() for w in words) \
            or not _specific(set(slug_words(page)), lang):
        return None
    slug = slug_words(page)
    parts = [part for head in (page.og_title, page.head_title) if head for part in split_title(head, lang.separators)
             if len(part.split()) <= settings()["weights"]["max_words"] and _specific(shared_words(slug, part), lang)]
    if parts:  # a head-title part naming it (the one agreeing best): the page's name as the site writes it
        return max(parts, key=lambda part: _agree(slug, part))
    texts = [t for t in (page.head_title, page.og_title) if t] + [b.text for b in page.blocks[:scan]]
    for text in texts:
        spans = [(m.start(), m.end(), normalize_heading(m.group(0))) for m in _WORD_SPAN.finditer(text)]
        folded = [f for _, _, f in spans]
        for i in range(len(spans) - len(words) + 1):
            if folded[i:i + len(words)] == words:
                return text[spans[i][0]:spans[i + len(words) - 1][1]]
    return None


INFLECTION = 5  # a word this long or longer matches its inflected forms ("behandlung", "behandlungen")


def _same_word(a: str, b: str) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return short == long_ or (len(short) >= INFLECTION and long_.startswith(short) and len(long_) - len(short) <= 2)


def shared_words(voter: frozenset[str], text: str) -> set[str]:
    """The voter's words the candidate holds (inflected forms too); a voter word may be the
    initials of consecutive candidate words ("prp" for "Platelet Rich Plasma")."""
    words = _tokens(text)
    found = {v for v in voter if v in words or any(_same_word(v, x) for x in words)}
    if len(found) < len(voter):
        plain = normalize_heading(_ELISION.sub(" ", text)).split()
        initials = {"".join(w[0] for w in plain[i:j]) for i in range(len(plain))
                    for j in range(i + 2, min(i + 6, len(plain) + 1))}
        found |= {v for v in voter if v in initials}
    return found


def _agree(voter: frozenset[str], text: str) -> float:
    """Dice agreement of a voter and a candidate: their shared words over both sizes."""
    if not voter:
        return 0.0
    return 2 * len(shared_words(voter, text)) / (len(voter) + len(_tokens(text)))


def _specific(words: set[str], lang: LangData) -> set[str]:
    """Words that are not generic procedure words ("treatment", "surgery")."""
    return specific_words(words, with_english(lang))


def _candidates(page: ParsedPage) -> list[tuple[str, float, bool]]:
    """(text, prior, is the breadcrumb item) of every title candidate, in page order: h1s, the headings
    (any level, bold lines too) at the top of the main content, the breadcrumb item."""
    w = settings()["weights"]
    rules = chrome_rules()
    seen: set[str] = set()
    out: list[tuple[str, float, bool]] = []

    def add(text: str | None, prior: float, crumb: bool = False) -> None:
        if text and text not in seen and len(text.split()) <= w["max_words"] and not is_not_title(text) \
                and not rules.is_chrome_text(text):
            seen.add(text)
            out.append((text, prior, crumb))

    for h1 in page.h1s:
        add(h1, w["h1"])
    for b in page.blocks[: w["top_blocks"]]:
        if b.kind is BlockKind.HEADING:  # (any level, and bold lines: a page without h1-h3 names itself so)
            add(b.text, w["h1"] if b.level == 1 else 0.0)
    add(page.breadcrumb, w["breadcrumb_item"], True)
    return out


def _candidate_agrees(page: ParsedPage, voters: frozenset[str], lang: LangData) -> bool:
    """True when a title candidate (h1, top heading, breadcrumb item) shares a specific word with the voters."""
    return any(_specific(shared_words(voters, text), lang) for text, _, _ in _candidates(page))


def _site_level(page: ParsedPage, lang: LangData, proposed: str | None, how: str) -> bool:
    """True when the proposed title may be the site's, not the page's: none, a call to action, taken
    from the head title (no heading named it), or a heading holding the site's name (og:site_name,
    or a head-title part after the first: "Dr. Smith - Smith Plastic Surgery Institute")."""
    if not proposed or is_not_title(proposed) or how in ("title", "og:title"):
        return True
    words = _tokens(proposed)
    head = page.og_title or page.head_title
    sites = [page.meta.get("og:site_name")] + (split_title(head, lang.separators)[1:] if head else [])
    return any((site_words := _tokens(s)) and site_words <= words for s in sites if s)


def _late_h1(page: ParsedPage, h1: str | None) -> bool:
    """True when the h1 does not open the main content: pruning removed it (a footer's "Quicklinks")
    or another heading of the main content comes before it (an "FAQ" h1 further down)."""
    for b in page.blocks:
        if b.kind is BlockKind.HEADING:
            return b.text != h1
    return True


def identify_title(page: ParsedPage, lang: LangData, proposed: str | None, how: str) -> tuple[str | None, str]:
    """The page's title: the proposed one unless it shares no specific word with the voters (slug,
    breadcrumb) and a candidate agrees with them; (title, where it came from)."""
    late = how == "h1" and _late_h1(page, proposed)
    if how == "h1" and not late and not _site_level(page, lang, proposed, how):
        return proposed, how  # (most pages: their own h1)
    w = settings()["weights"]
    slug = slug_words(page)
    crumb = _tokens(page.breadcrumb) if page.breadcrumb else frozenset()
    if not slug and not crumb:
        return proposed, how
    if how in ("title", "og:title") and proposed and page.breadcrumb and not is_not_title(page.breadcrumb) \
            and normalize_heading(proposed).startswith(normalize_heading(page.breadcrumb) + " "):
        return page.breadcrumb, "breadcrumb"  # the head title decorates the name the breadcrumb gives ("X in <town>")
    agrees = bool(proposed) and bool(_specific(shared_words(slug | crumb, proposed), lang))
    if page.title and how != "h1" and page.title != proposed and not is_not_title(page.title) \
            and _specific(shared_words(slug | crumb, page.title), lang) \
            and _agree(slug, page.title) + _agree(crumb, page.title) > (_agree(slug, proposed) + _agree(crumb, proposed) if proposed else 0.0):
        return page.title, "h1"  # the h1 set aside as the site's name (it ends the head title) names the page
    from_head = how in ("title", "og:title")
    if not agrees and how in ("heading", "") and not _candidate_agrees(page, slug | crumb, lang) \
            and (named := slug_phrase(page, lang, w["top_blocks"])):
        return named, "slug"  # no heading names what the URL names; the page's text spells the slug's name
    if (not late and not _site_level(page, lang, proposed, how)) or (agrees and not from_head):
        return proposed, how

    def agreement(text: str, crumb_votes: bool = True) -> float:
        return w["slug"] * _agree(slug, text) + (w["breadcrumb"] * _agree(crumb, text) if crumb_votes else 0.0)

    best, best_score = None, 0.0
    for text, prior, from_crumb in _candidates(page):
        score = agreement(text, not from_crumb) + prior  # (the breadcrumb item does not vote for itself)
        if score > best_score:
            best, best_score = text, score
    if agrees and (best is None or best_score < agreement(proposed) + w["over_head_title"]):
        return proposed, how  # a head title naming the page stands unless a heading agrees better with the voters
    if best is not None and best_score >= w["min_score"] and _specific(shared_words(slug | crumb, best), lang):
        return best, "breadcrumb" if best == page.breadcrumb and best not in page.h1s else "candidates"
    return proposed, how

