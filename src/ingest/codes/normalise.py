"""Text normalisation shared by the recognisers, the checks and the index."""

from __future__ import annotations

import re
import unicodedata

from . import patterns as P

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def span_safe(text: str) -> str:
    """Map unicode dashes, odd spaces and curly quotes to ASCII, keeping every offset."""
    return text.translate(P.SPAN_SAFE_MAP)


def clean_text(text: str) -> str:
    """NFKC, ASCII dashes/quotes/spaces, collapsed whitespace, stripped."""
    return _WS.sub(" ", span_safe(unicodedata.normalize("NFKC", text))).strip()


def match_key(text: str) -> str:
    """Key for *exact* descriptor matching: differs only in case, whitespace, unicode punctuation."""
    return clean_text(text).casefold()


def strip_qualifiers(text: str) -> str:
    """Drop trailing "(add-on)", "(primary)", "(list separately ...)" qualifiers."""
    previous = None
    text = clean_text(text)
    while previous != text:
        previous, text = text, P.DESCRIPTOR_QUALIFIER_SUFFIX.sub("", text).strip()
    return text


def loose_key(text: str) -> str:
    """Key for *comparing* descriptors: case, punctuation, whitespace and "e.g." spelling ignored."""
    key = P.EG.sub(" eg ", match_key(text))
    return " ".join(_NON_WORD.sub(" ", key).split())


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", clean_text(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


def content_tokens(text: str) -> list[str]:
    """Content words of a description (folded, light plural stemming, synonyms applied), in order."""
    folded = _fold(text)
    for pattern, replacement in P.SYNONYMS:
        folded = pattern.sub(replacement, folded)
    seen: dict[str, None] = {}
    for word in _NON_WORD.split(folded):
        if word and word not in P.STOPWORDS:
            seen.setdefault(_stem(word), None)
    return list(seen)


def initialisms(text: str) -> set[str]:
    """Initials of every run of 2+ consecutive words ("chronic pain syndrome" -> "cps", "ps", ...)."""
    words = [w for w in _NON_WORD.split(_fold(text)) if w[:1].isalpha()]
    return {
        "".join(w[0] for w in words[i:j])
        for i in range(len(words))
        for j in range(i + 2, len(words) + 1)
    }


def split_glosses(text: str) -> tuple[str, list[str]]:
    """Split "Main text (gloss) more" into ("Main text more", ["gloss"]); one level of parentheses."""
    glosses = [g.strip() for g in re.findall(r"\(([^()]*)\)", text) if g.strip()]
    main = clean_text(re.sub(r"\([^()]*\)", " ", text))
    main = re.sub(r"\s+([,;:])", r"\1", main)
    return main, glosses
