"""Heading wording folded for matching: normalized text and its content words (no vocabulary, no language data)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_STOPWORDS = frozenset("the a an your my of is it are this to for and or you be will do does i can "
                       "what how me we our its on in with".split())
_CONTRACTIONS = (("it's", "it is"), ("what's", "what is"), ("i'll", "i will"), ("you'll", "you will"),
                 ("don't", "do not"), ("can't", "cannot"))
_NON_WORD = re.compile(r"[^\w' ]+|_")
_GLUED_NUMBER = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")  # "Step1" -> "Step 1"
_LEADING_NUMBER = re.compile(r"^\s*(?:step\s+)?(?:\d+|[ivx]+|[a-z])[.):]\s+", re.I)


@lru_cache(maxsize=16384)
def normalize_heading(text: str) -> str:
    """Lower-case words of a heading: emoji, numbering, punctuation and '&' folded away."""
    text = unicodedata.normalize("NFKD", text).replace("\u2019", "'").replace("\u2018", "'")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNZP" or ch in "&'")
    text = unicodedata.normalize("NFC", text)  # accents folded: "préparation" == "preparation"
    text = _LEADING_NUMBER.sub("", _GLUED_NUMBER.sub(" ", text)).lower().replace("&", " and ").replace("-", " ")
    for short, long in _CONTRACTIONS:
        text = text.replace(short, long)
    return " ".join(_NON_WORD.sub(" ", text).replace("'", "").split())


def stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=16384)
def content_tokens(normalized: str) -> frozenset[str]:
    """Stemmed words of a normalized heading, stop words removed (cached: headings repeat)."""
    return frozenset(stem(w) for w in normalized.split() if w not in _STOPWORDS)


QUESTION_MARKS = ("?", "\uff1f", "\u061f")  # Latin, full-width and Arabic question marks


def is_question(text: str) -> bool:
    """True when the text ends in a question mark (trailing space aside)."""
    return text.rstrip().endswith(QUESTION_MARKS)
