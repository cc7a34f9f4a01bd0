"""CPT checks that need no code list (CPT descriptors are copyrighted; none is bundled).

* format and category (I: 5 digits, II: 4 digits + F, III: 4 digits + T, PLA: + U);
* add-on status from descriptor wording ("each additional", "list separately
  in addition to ...", "(add-on)");
* consistency of our own sources: two sources giving different descriptors for
  one code is a conflict; a descriptor that only appends "(add-on)",
  "(primary)" or "(list separately ...)" is a compatible *variant*.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import patterns as P
from .models import Conflict, SourcedText, System
from .normalise import clean_text, loose_key, strip_qualifiers

_CATEGORY = {"F": "II", "T": "III", "U": "PLA"}


def is_cpt(code: str) -> bool:
    """True if ``code`` has a CPT format (category I, II, III or PLA)."""
    return bool(P.CODE_FORMAT["CPT"].fullmatch(code.strip()))


def system_of(code: str) -> str:
    """The system of a procedure code: "HCPCS" if it starts with a letter (J1100), else "CPT" (64721, 0213T)."""
    return "HCPCS" if code[:1].isalpha() else "CPT"


def cpt_category(code: str) -> str | None:
    """"I", "II", "III" or "PLA" by format; None if not a CPT code."""
    code = code.strip()
    if not is_cpt(code):
        return None
    return _CATEGORY.get(code[-1], "I")


def is_add_on(descriptor: str | None) -> bool:
    """True if the descriptor's wording marks an add-on code."""
    return bool(descriptor) and bool(P.ADD_ON_MARKERS.search(clean_text(descriptor)))


def compare_descriptors(
    descriptors: Iterable[tuple[str, str]], code: str = "", system: System = "CPT"
) -> tuple[list[Conflict], list[Conflict]]:
    """(conflicts, variants) among ``(descriptor, source_ref)`` pairs for one code.

    Descriptors are compared after normalising case, punctuation, whitespace,
    unicode hyphens and "e.g." spelling; trailing qualifiers only make variants.
    Every differing pair of descriptors is one conflict naming both texts and
    their sources.  Output order never depends on input order.
    """
    groups: dict[str, dict[str, tuple[str, set[str]]]] = {}
    for text, source in descriptors:
        cleaned = clean_text(text or "")
        if not cleaned:
            continue
        spellings = groups.setdefault(loose_key(strip_qualifiers(cleaned)), {})
        shown, sources = spellings.get(loose_key(cleaned), (cleaned, set()))
        spellings[loose_key(cleaned)] = (min(shown, cleaned), sources | {source})

    def sourced(base: str) -> list[SourcedText]:
        return sorted((SourcedText(text=t, sources=sorted(s)) for t, s in groups[base].values()), key=lambda x: x.text)

    def conflict(kind, texts: list[SourcedText], detail: str) -> Conflict:
        sources = sorted({s for t in texts for s in t.sources})
        return Conflict(kind=kind, system=system, code=code, descriptors=texts, sources=sources, detail=detail)

    bases = sorted(groups)
    variants = [
        conflict("descriptor_variant", sourced(b), "same descriptor apart from appended qualifiers")
        for b in bases
        if len(groups[b]) > 1
    ]
    conflicts = []
    for i, a in enumerate(bases):
        for b in bases[i + 1 :]:
            left, right = sourced(a), sourced(b)
            detail = f"sources describe {code or 'the code'} differently: {left[0].text!r} vs {right[0].text!r}"
            conflicts.append(conflict("cross_source_descriptor", left + right, detail))
    return conflicts, variants


def cpt_conflicts(descriptors: Iterable[tuple[str, str]], code: str = "", system: System = "CPT") -> list[Conflict]:
    """Conflicting descriptors among ``(descriptor, source_ref)`` pairs (variants excluded)."""
    return compare_descriptors(descriptors, code, system)[0]
