"""ICD-10-CM checks against the official CMS code set (via simple-icd-10-cm, offline).

``describe_conflict`` compares a page's description of a code with the code's
official wording: its title, inclusion terms and "includes" notes, and those of
its ancestors down to the 3-character category.  Parenthetical glosses are
checked separately from the main text, because pages often append a gloss
("Central pain syndrome (cancer-related chronic pain)") that names a different
condition.  A part of the description is a conflict when

* another code of the same ICD block covers its content words strictly better
  (and at least ``MIN_SUGGESTION_COVERAGE``) -- that code is ``suggested_code``
  (G89.0 + "cancer-related chronic pain" -> G89.3 "Neoplasm related pain"); or
* the official wording covers less than ``MIN_OWN_COVERAGE`` of its words.

Rewordings stay silent: function words, plurals, accents, unicode punctuation,
initialisms ("CPS" = chronic pain syndrome) and a few data-driven synonyms
("common peroneal" = "lateral popliteal") are normalised first.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from types import ModuleType

from . import patterns as P
from .models import Conflict, IcdInfo, SourcedText
from .normalise import clean_text, content_tokens, initialisms, split_glosses

_ICD_FORMAT = P.CODE_FORMAT["ICD-10-CM"]


@functools.cache
def _cm() -> ModuleType:
    """The simple_icd_10_cm module, loaded once (its data loader emits DeprecationWarnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    return simple_icd_10_cm


def normalise_icd(code: str) -> str:
    """Upper-case, no spaces, dot after the third character ("g8929" -> "G89.29")."""
    text = clean_text(code).upper().replace(" ", "").rstrip(".")
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    return text


@functools.lru_cache(maxsize=65536)
def _lookup(code: str) -> IcdInfo:
    if not _ICD_FORMAT.fullmatch(code):
        return IcdInfo(code=code, valid=False, billable=False)
    cm = _cm()
    if not cm.is_valid_item(code):
        return IcdInfo(code=code, valid=False, billable=False)
    return IcdInfo(code=code, valid=True, billable=cm.is_leaf(code), title=cm.get_description(code))


def lookup(code: str) -> IcdInfo:
    """Official status of an ICD-10-CM code: valid (in the code set), billable (a leaf), title."""
    return _lookup(normalise_icd(code))


def is_valid(code: str) -> bool:
    """True if the code (any spelling) is in the official code set."""
    return lookup(code).valid


@functools.cache
def _wording(code: str) -> tuple[str, ...]:
    """Official phrases of a valid code and its ancestors down to the category."""
    cm = _cm()
    phrases: list[str] = []
    for item in (code, *cm.get_ancestors(code)):
        if cm.is_chapter_or_block(item):
            break
        phrases += [cm.get_description(item), *cm.get_inclusion_term(item), *cm.get_includes(item)]
    return tuple(phrases)


@functools.cache
def _vocabulary(code: str, with_initialisms: bool = False) -> frozenset[str]:
    words: set[str] = set()
    for phrase in _wording(code):
        words.update(content_tokens(phrase))
        if with_initialisms:
            words.update(initialisms(phrase))
    return frozenset(words)


@functools.cache
def _block_members(code: str) -> tuple[str, ...]:
    """All codes of the ICD block (e.g. G89-G99) containing ``code``, minus the code's own lineage."""
    cm = _cm()
    ancestors = cm.get_ancestors(code)
    block = next((a for a in ancestors if cm.is_block(a)), None)
    if block is None:
        return ()
    lineage = {code, *ancestors}
    return tuple(c for c in cm.get_descendants(block) if c not in lineage)


def _coverage(tokens: Sequence[str], vocabulary: frozenset[str]) -> float:
    return sum(t in vocabulary for t in tokens) / len(tokens)


def _best_alternative(code: str, tokens: Sequence[str]) -> tuple[str | None, float]:
    best, best_cov = None, 0.0
    for other in _block_members(code):  # block order is code order: ties keep the first
        cov = _coverage(tokens, _vocabulary(other))
        if cov > best_cov:
            best, best_cov = other, cov
    return best, best_cov


def describe_conflict(code: str, page_description: str | None, sources: Sequence[str] = ()) -> Conflict | None:
    """A ``Conflict`` when the page's description of an ICD code contradicts its official wording, else None.

    Invalid codes and empty descriptions give None (validity is reported separately).
    """
    info = lookup(code)
    if not info.valid or not page_description or not clean_text(page_description):
        return None
    text = clean_text(page_description)
    if text.casefold() == (info.title or "").casefold():
        return None
    own = _vocabulary(info.code, with_initialisms=True)
    main, glosses = split_glosses(text)
    for part, where in [(main, "description"), *((g, "gloss") for g in glosses)]:
        tokens = content_tokens(part)
        if not tokens:
            continue
        own_cov = _coverage(tokens, own)
        if own_cov == 1:
            continue
        alt, alt_cov = _best_alternative(info.code, tokens)
        suggest = alt is not None and alt_cov > own_cov and alt_cov >= P.MIN_SUGGESTION_COVERAGE
        if suggest or own_cov < P.MIN_OWN_COVERAGE:
            unmatched = [t for t in tokens if t not in own]
            return _conflict(info, text, f"page {where} {part!r}", unmatched, alt if suggest else None, sources)
    return None


def _conflict(
    info: IcdInfo, text: str, what: str, unmatched: list[str], alt: str | None, sources: Sequence[str]
) -> Conflict:
    detail = (
        f"{what} is not covered by the official title {info.title!r} "
        f"or its inclusion terms (unmatched: {', '.join(unmatched)})"
    )
    alt_title = lookup(alt).title if alt else None
    if alt:
        detail += f"; it matches {alt} {alt_title!r}"
    srcs = sorted(set(sources))
    return Conflict(
        kind="official_title_mismatch",
        system="ICD-10-CM",
        code=info.code,
        descriptors=[SourcedText(text=text, sources=srcs)],
        sources=srcs,
        detail=detail,
        official_title=info.title,
        unmatched_terms=unmatched,
        suggested_code=alt,
        suggested_title=alt_title,
    )


def expand_icd_range(start: str, end: str, limit: int = P.MAX_RANGE_EXPANSION) -> list[str] | None:
    """Codes from ``start`` to ``end`` ("G56.41","G56.43" -> 3 codes), or None if not expandable.

    Both ends must be dotted codes of equal length differing only in one run of
    digits; candidates not in the code set are dropped when both ends are valid.
    """
    start, end = normalise_icd(start), normalise_icd(end)
    if "." not in start or "." not in end or len(start) != len(end) or start >= end:
        return None
    i = 0
    while start[i] == end[i]:
        i += 1
    j = len(start)
    while start[j - 1] == end[j - 1]:
        j -= 1
    while i > 0 and start[i - 1].isdigit():  # take the whole digit run
        i -= 1
    lo, hi = start[i:j], end[i:j]
    if not (lo.isdigit() and hi.isdigit()) or int(hi) - int(lo) + 1 > limit:
        return None
    codes = [f"{start[:i]}{n:0{len(lo)}d}{start[j:]}" for n in range(int(lo), int(hi) + 1)]
    if is_valid(start) and is_valid(end):
        codes = [c for c in codes if is_valid(c)]
    return codes
