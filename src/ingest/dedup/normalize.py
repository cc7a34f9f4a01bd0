"""Text normalisation for exact-duplicate keys and shingle tokenisation.

``normalize_text`` is the canonical form two fetches of the same page must
share: Unicode NFKC, case-folded, dashes and quotes unified to ASCII,
invisible format characters dropped, decorative punctuation runs removed and
whitespace collapsed to single spaces.  ``content_key`` hashes that form.
``words`` splits a normalised text into the word tokens used for shingling
(runs of Unicode letters, digits and combining marks).
"""

from __future__ import annotations

import re
import unicodedata

import xxhash

__all__ = ["normalize_text", "content_key", "words", "word_bytes"]

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u2039\u203a\u02bc\u00b4\u0060"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e\u301f"


def _build_translation() -> dict[int, str | None]:
    """Map of non-ASCII code points to their unified replacement."""
    table: dict[int, str | None] = {}
    code_points = list(range(0x80, 0x10000)) + list(range(0xE0000, 0xE0080))
    for cp in code_points:
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Pd":
            table[cp] = "-"
        elif cat == "Cf":  # soft hyphen, zero-width spaces/joiners, BOM, bidi marks
            table[cp] = None
        elif cat == "Cc" and not ch.isspace():
            table[cp] = " "
    table[0x2212] = "-"  # MINUS SIGN (category Sm)
    table.update({ord(c): "'" for c in _SINGLE_QUOTES})
    table.update({ord(c): '"' for c in _DOUBLE_QUOTES})
    return table


_TRANSLATION = {chr(cp): rep for cp, rep in _build_translation().items()}

# Characters that, repeated (3+ with only whitespace between them), form
# rulers / separators / scene breaks such as "-----", "* * *", "=-=-=", "...",
# "•••" or box drawing.  Stand-alone bullet glyphs ("• item", "■ step") are
# decoration too.  Every character here is a non-word character, so removing
# them never changes the word tokens used for shingling.
_DECOR_CLASS = r"[-_=*~#+.|/\\<>^`\u00b7\u2022\u2023\u2043\u2190-\u21ff\u2500-\u25ff]"
_ORNAMENT_CLASS = r"[\u00b7\u2022\u2023\u2043\u25a0-\u25ff\u2500-\u259f]"
_DECOR_RUN = re.compile(rf"{_DECOR_CLASS}(?:\s*{_DECOR_CLASS}){{2,}}")
_ORNAMENT_TOKEN = re.compile(rf"(?<!\S){_ORNAMENT_CLASS}+(?!\S)")
_ORNAMENT_CHARS = re.compile(_ORNAMENT_CLASS)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold(text: str) -> str:
    """NFKC + case-fold + dash/quote/format-character unification."""
    s = unicodedata.normalize("NFKC", text).casefold()
    if s.isascii():
        return s
    for _ in range(4):  # iterate to a fixed point so normalisation is idempotent
        for ch in set(_NON_ASCII.findall(s)):
            if ch in _TRANSLATION:
                s = s.replace(ch, _TRANSLATION[ch] or "")
        folded = unicodedata.normalize("NFKC", s).casefold()
        if folded == s:
            break
        s = folded
    return s


def normalize_text(text: str) -> str:
    """Return the canonical form of ``text`` used for exact-duplicate keys.

    NFKC, case-fold, unify Unicode dashes to ``-`` and quotes to ``'``/``"``,
    drop invisible format characters (soft hyphen, zero-width space, BOM),
    remove purely decorative punctuation (runs of 3+ ruler characters such as
    ``-----`` or ``* * *``, and stand-alone bullet glyphs), and collapse all
    whitespace to single spaces with no leading/trailing space.
    Meaningful punctuation (``.``, ``,``, ``<=``, ``5 - 10``) is kept.
    """
    s = _fold(text)
    if _DECOR_RUN.search(s) is not None:
        s = _DECOR_RUN.sub(" ", s)
    if not s.isascii() and _ORNAMENT_CHARS.search(s) is not None:
        s = _ORNAMENT_TOKEN.sub(" ", s)
    return " ".join(s.split())


def content_key(text: str) -> str:
    """xxh3_128 hex digest (32 chars) of ``normalize_text(text)``."""
    return xxhash.xxh3_128_hexdigest(normalize_text(text).encode("utf-8", "surrogatepass"))


# Fast path for ASCII: every byte that is not [A-Za-z0-9] becomes a space.
_ASCII_WORD_TABLE = bytes(c if (c < 128 and chr(c).isalnum()) else 0x20 for c in range(256))
# Non-ASCII bytes are kept by this table (they are parts of UTF-8 sequences);
# non-word non-ASCII characters are blanked beforehand at the str level.
_UTF8_WORD_TABLE = bytes(c if (c >= 128 or chr(c).isalnum()) else 0x20 for c in range(256))
_non_word_cache: dict[str, bool] = {}


def _is_non_word(ch: str) -> bool:
    res = _non_word_cache.get(ch)
    if res is None:
        # letters/digits plus combining marks, so Indic/Arabic words stay whole
        res = not (ch.isalnum() or unicodedata.category(ch)[0] == "M")
        if len(_non_word_cache) < 1 << 16:
            _non_word_cache[ch] = res
    return res


def _split_words(folded: str) -> list[bytes]:
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_WORD_TABLE).split()
    for ch in set(_NON_ASCII.findall(folded)):
        if _is_non_word(ch):
            folded = folded.replace(ch, " ")
    return folded.encode("utf-8", "surrogatepass").translate(_UTF8_WORD_TABLE).split()


def word_bytes(text: str) -> list[bytes]:
    """UTF-8 word tokens (letters, digits, combining marks) of ``text``.

    Equal to the tokens of ``normalize_text(text)`` (decoration and
    whitespace never touch word characters), but skips the decoration pass.
    """
    return _split_words(_fold(text))


def words(text: str) -> list[str]:
    """Word tokens of ``text`` as used for shingling (see ``word_bytes``)."""
    return [w.decode("utf-8", "surrogatepass") for w in word_bytes(text)]

