"""Heading vocabulary (data/sections.toml) and tolerant heading matching."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.extract.lang import lang_data
from ingest.extract.wording import content_tokens, normalize_heading, stem

_FUZZY_CUTOFF = 0.86
_KEYWORD_MAX_WORDS = 5  # content words: longer lines are sentences, not headings
LEAD_IN_MAX_WORDS = 20  # ... except lead-in headings ending with a colon


def _length_ratio(la: int, lb: int) -> float:
    """difflib.SequenceMatcher.real_quick_ratio() of strings of these lengths (its upper bound
    from the lengths alone), computed as difflib does, without building a matcher."""
    return 2.0 * min(la, lb) / (la + lb) if la + lb else 1.0


def _quick_ratio(a_counts, b_counts: Counter, length: int) -> float:
    """difflib.SequenceMatcher.quick_ratio() (the characters two strings share, as a multiset), computed
    as difflib does from the character counts of both strings, without building a matcher."""
    matches = 0
    for ch, n in a_counts:
        m = b_counts.get(ch)
        if m:
            matches += n if n < m else m
    return 2.0 * matches / length if length else 1.0


@dataclass(frozen=True)
class Section:
    name: str
    kind: str  # "text" | "list"
    order: int
    variants: tuple[str, ...]
    cues: tuple[re.Pattern[str], ...]
    group_labels: frozenset[str]
    keywords: tuple[str, ...] = ()
    heading_cues: tuple[re.Pattern[str], ...] = ()  # per language: content cues that map an unknown heading


@dataclass(frozen=True, eq=False)
class Vocabulary:
    sections: tuple[Section, ...]
    labels: dict[str, frozenset[str]]
    _variants: tuple[tuple[str, frozenset[str], str], ...]  # (normalized, tokens, section)
    stop: frozenset[str] = frozenset()  # the language's own stop words (beyond English ones)
    not_fields: tuple[str, ...] = ()  # phrases of headings that name no field ("why choose us")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.sections})
        exact: dict[str, str] = {}
        for variant, _, section in self._variants:
            exact.setdefault(variant, section)
        object.__setattr__(self, "_exact", exact)
        # Where _match looks: the variants holding a given content word (a word-subset match needs one
        # of the heading's words), and the variants of each length (a fuzzy match needs a close length)
        by_token: dict[str, list[int]] = {}
        by_length: dict[int, list[int]] = {}
        for i, (variant, vtokens, _) in enumerate(self._variants):
            for token in vtokens:
                by_token.setdefault(token, []).append(i)
            by_length.setdefault(len(variant), []).append(i)
        object.__setattr__(self, "_by_token", by_token)
        object.__setattr__(self, "_char_counts", tuple(Counter(v) for v, _, _ in self._variants))
        object.__setattr__(self, "_by_length", tuple(by_length.items()))

    def exact(self, heading: str) -> str | None:
        """The section a heading names word for word ("Risks", "Recovery"), or None."""
        return self._exact.get(normalize_heading(heading))

    def section(self, name: str) -> Section:
        return self._by_name[name]

    def match(self, heading: str, weak: bool = False, fuzzy: bool = True) -> str | None:
        """The section a heading names, or None: exact, then word-subset, then (fuzzy) fuzzy match;
        with weak=True, a keyword match as a last resort ("Before your visit", "Where:")."""
        return self._match(heading, weak, fuzzy)

    @lru_cache(maxsize=8192)  # noqa: B019 - one vocabulary per process; headings repeat across pages
    def _match(self, heading: str, weak: bool, fuzzy: bool = True) -> str | None:
        norm = normalize_heading(heading)
        if not norm or len(norm.split()) > 12:
            return None
        if any(f" {phrase} " in f" {norm} " for phrase in self.not_fields):
            return None
        best = self._best(norm, fuzzy)
        if best:
            return best[0]
        tokens = content_tokens(norm) - self.stop
        if weak and len(tokens) <= _KEYWORD_MAX_WORDS:
            padded = f" {norm} "
            stems = {stem(w) for w in norm.split()}
            for section in self.sections:
                if any((f" {k} " in padded) if " " in k else (stem(k) in stems) for k in section.keywords):
                    return section.name
        return None

    def ties(self, heading: str) -> tuple[str, ...]:
        """The sections whose wordings match a heading equally well (file order; one when the best is alone)."""
        norm = normalize_heading(heading)
        if not norm or len(norm.split()) > 12 or any(f" {phrase} " in f" {norm} " for phrase in self.not_fields):
            return ()
        return self._best(norm, True)  # (the key _match caches under: one computation)

    @lru_cache(maxsize=8192)  # noqa: B019 - one vocabulary per process; headings repeat across pages
    def _best(self, norm: str, fuzzy: bool = True) -> tuple[str, ...]:
        """The sections of the best-scored wordings of a normalized heading: exact, word-subset, fuzzy."""
        tokens = content_tokens(norm) - self.stop
        best, found = 0.0, []
        exact = self._exact.get(norm)
        if exact is not None:
            return (exact,)
        # Only the variants that can score, visited in the vocabulary's order (ties keep file order): those
        # sharing a word with the heading, and (fuzzy) those whose length allows the cut-off.
        candidates = {i for token in tokens for i in self._by_token.get(token, ())}
        if fuzzy:
            la = len(norm)
            candidates.update(i for lb, indices in self._by_length
                              if _length_ratio(la, lb) >= _FUZZY_CUTOFF for i in indices)
        variants, char_counts, norm_counts = self._variants, self._char_counts, Counter(norm).items()
        for i in sorted(candidates):
            variant, vtokens, section = variants[i]
            score = 0.0
            if vtokens and vtokens <= tokens and len(tokens) - len(vtokens) <= 3:
                score = 50 + 10 * len(vtokens) - (len(tokens) - len(vtokens))
                if f" {variant} " in f" {norm} ":
                    score += 5  # the wording as one phrase beats its words scattered
            elif fuzzy and _length_ratio(len(norm), len(variant)) >= _FUZZY_CUTOFF:  # (difflib's real_quick_ratio, no matcher)
                if _quick_ratio(norm_counts, char_counts[i], len(norm) + len(variant)) >= _FUZZY_CUTOFF:
                    matcher = difflib.SequenceMatcher(None, norm, variant)
                    ratio = matcher.ratio()
                    if ratio >= _FUZZY_CUTOFF:
                        score = 40 * ratio
            if score and score > best:
                best, found = score, [section]
            elif score and score == best and section not in found:
                found.append(section)
        return tuple(found)

    def lead_in(self, heading: str) -> str | None:
        """The section a lead-in heading names by keyword ("The advantages of X are:"), or None."""
        return self._lead_in(heading)

    @lru_cache(maxsize=8192)  # noqa: B019 - one vocabulary per language and process
    def _lead_in(self, heading: str) -> str | None:
        norm = normalize_heading(heading)
        if not norm or len(norm.split()) > LEAD_IN_MAX_WORDS:
            return None
        padded, stems = f" {norm} ", {stem(w) for w in norm.split()}
        for section in self.sections:
            if section.kind == "list" and any((f" {k} " in padded) if " " in k else (stem(k) in stems)
                                              for k in section.keywords):
                return section.name
        return None

    def label(self, text: str) -> str | None:
        """'title' or 'common_names' when a line is one of the pre-section labels."""
        norm = normalize_heading(text.split(":")[0]) if ":" in text else normalize_heading(text)
        for name, variants in self.labels.items():
            if norm in variants:
                return name
        return None

    def is_group_label(self, section: str, text: str) -> bool:
        """True for sub-group labels such as 'Common risks:' inside a section."""
        labels = self.section(section).group_labels
        return bool(labels) and normalize_heading(text) in labels


@lru_cache(maxsize=16)
def vocabulary(lang: str = "en") -> Vocabulary:
    """The heading vocabulary of a language (cached): data/sections.toml plus the wordings and
    content cues of data/lang/en.toml and data/lang/<lang>.toml."""
    data = tomllib.loads(resources.files("ingest.data").joinpath("sections.toml").read_text("utf-8"))
    extras = [lang_data("en").sections] + ([lang_data(lang).sections] if lang != "en" else [])
    sections = []
    variants = []
    for order, (name, spec) in enumerate(data["sections"].items()):
        words = list(spec["variants"]) + [v for extra in extras for v in extra.get(name, {}).get("variants", [])]
        norm_variants = tuple(dict.fromkeys(normalize_heading(v) for v in words))
        heading_cues = [c for extra in extras for c in extra.get(name, {}).get("cues", [])]
        sections.append(Section(
            name=name, kind=spec["kind"], order=order, variants=norm_variants,
            cues=tuple(re.compile(c, re.I) for c in spec.get("cues", [])),
            group_labels=frozenset(normalize_heading(v) for v in spec.get("group_labels", [])),
            keywords=tuple(normalize_heading(k) for k in spec.get("keywords", [])),
            heading_cues=tuple(re.compile(c, re.I) for c in heading_cues),
        ))
        variants.extend((v, content_tokens(v), name) for v in norm_variants)
    labels = {k: frozenset(normalize_heading(v) for v in vs) for k, vs in data["labels"].items()}
    stop = frozenset(normalize_heading(w) for w in lang_data(lang).stopwords) if lang != "en" else frozenset()
    variants = [(v, t - stop, name) for v, t, name in variants]
    not_fields = [v for v in data.get("not_fields", {}).get("variants", [])]
    not_fields += [v for extra in [lang_data("en")] + ([lang_data(lang)] if lang != "en" else [])
                   for v in extra.heading_sets.get("not_field_headings", ())]
    return Vocabulary(tuple(sections), labels, tuple(variants), stop,
                      tuple(dict.fromkeys(normalize_heading(v) for v in not_fields)))
