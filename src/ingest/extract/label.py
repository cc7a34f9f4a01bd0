"""The label pass: which field a section heading names, as a score over evidence.

Evidence (weights and cue words in data/labelling.toml):
- the vocabulary's match of the heading as written (data/sections.toml);
- the vocabulary's match once numbering and FAQ prefixes ("Q2:", "3)", "Step 04 -") are folded and the
  page's own words are removed: the words of its title and of `<title>` (the procedure's name, the
  site's name) that are no field's wording, so "What are the risks of arthroscopic shoulder surgery?"
  reads "what are the risks";
- a question about the page's own subject: the heading left, once the page's own words are removed, with
  only a phrase such as "why choose" (benefits) or "why do you need" (indications), counted as the folded
  match ("Why choose liposuction?" on a liposuction page; never a question that names no word of the
  title, nor one naming the site: "Why choose us", "Why choose liposuction at <clinic>");
- a question opening with a field's wording of two or more words and then naming the page's own subject
  ("Comment se passe <title> en Espagne ?"), counted as the folded match; never one whose rest names the
  site or another field's word;
- a stage word: before/pre -> preparation, during/on the day -> steps, after/post -> recovery (one
  stage alone; "Before & After" names none). Alone, without a wording, it is weak evidence: it labels
  a heading whose content bears a cue of the same field, or (as a vocabulary keyword does) one on a
  page that already has two strongly named sections.

The folded match is sought only where the heading as written names nothing, and kept only when the
heading's head noun (the last word before its first preposition) is a word of that field's wordings.

The field with the highest score labels the heading when it reaches the threshold; a tie between two
fields labels nothing (evidence decides, never the order of the vocabulary file).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from functools import cached_property, lru_cache
from importlib import resources

from ingest.extract.vocabulary import Vocabulary
from ingest.extract.wording import content_tokens, is_question, normalize_heading


@lru_cache(maxsize=1)
def labelling_data() -> dict:
    """data/labelling.toml: the weights, the hand-set ones, prefixes, stage words, prepositions."""
    return tomllib.loads(resources.files("ingest.data").joinpath("labelling.toml").read_text("utf-8"))


@lru_cache(maxsize=16)
def _prefix(lang: str) -> re.Pattern[str]:
    words = sorted(set(labelling_data()["prefixes"].get("en", [])) | set(labelling_data()["prefixes"].get(lang, [])), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    # "q 2 ...", "step 04 ...", "3 ...", "faq ...": a numbering or question mark before the wording
    return re.compile(rf"^(?:(?:{alternatives})\s+(?:\d+\s+)?|\d+\s+)(?=\S)")


@lru_cache(maxsize=16)
def _stages(lang: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Per field, one pattern of its stage words (whole words of a normalized heading)."""
    table = labelling_data()["temporal"].get(lang) or labelling_data()["temporal"]["en"]
    return tuple((field, re.compile(r"(?<!\S)(?:" + "|".join(re.escape(normalize_heading(c)) for c in cues) + r")(?!\S)"))
                 for field, cues in table.items())


@lru_cache(maxsize=16)
def _field_words(vocab: Vocabulary) -> frozenset[str]:
    """Words of any field's wording: never removed as the page's own words."""
    words: set[str] = set()
    for section in vocab.sections:
        for variant in section.variants + section.keywords:
            words |= content_tokens(variant)
    return frozenset(words)


@lru_cache(maxsize=16)
def _prepositions(lang: str) -> frozenset[str]:
    table = labelling_data()["prepositions"]
    return frozenset(table.get(lang) or table["en"])


@lru_cache(maxsize=16)
def _conjunctions(lang: str) -> frozenset[str]:
    table = labelling_data()["conjunctions"]
    return frozenset(table.get(lang) or table["en"])


@lru_cache(maxsize=64)
def _field_wording(vocab: Vocabulary, field: str) -> frozenset[str]:
    section = vocab.section(field)
    return frozenset(w for v in section.variants + section.keywords for w in content_tokens(v))


def head_noun(norm: str, lang: str = "en") -> str | None:
    """The (stemmed) last content word before the first preposition of a normalized heading, or None."""
    words = norm.split()
    stops = _prepositions(lang)
    cut = next((i for i, w in enumerate(words) if w in stops and i > 0), len(words))
    for word in reversed(words[:cut]):
        if tokens := content_tokens(word):
            return next(iter(tokens))
    return None


@lru_cache(maxsize=16384)
def fold(text: str, lang: str = "en") -> str:
    """The heading's normalized words with a numbering or question prefix folded away."""
    norm = normalize_heading(text)
    return _prefix(lang).sub("", norm) or norm


@lru_cache(maxsize=8192)
def stages(norm: str, lang: str = "en") -> frozenset[str]:
    """The fields a heading's stage words name (cached: headings repeat across a site's pages); a
    phrase that only looks like one ("for the following reasons": a list's lead-in) names none."""
    norm = _not_stage(lang).sub(" ", norm)
    return frozenset(field for field, pattern in _stages(lang) if pattern.search(norm))


@lru_cache(maxsize=16)
def _not_stage(lang: str) -> re.Pattern[str]:
    table = labelling_data()["not_stages"]
    phrases = set(table.get("en", [])) | set(table.get(lang, []))
    return re.compile(r"(?<!\S)(?:" + "|".join(re.escape(normalize_heading(p)) for p in sorted(phrases)) + r")(?!\S)")


def stage(norm: str, lang: str = "en") -> str | None:
    """The one field a heading's stage words name, or None (no stage word, or two stages)."""
    found = stages(norm, lang)
    return next(iter(found)) if len(found) == 1 else None


@lru_cache(maxsize=16)
def _subject_questions(lang: str) -> dict[frozenset[str], str]:
    """The content words of each subject question (data/labelling.toml [subject_questions]) -> its field."""
    table = labelling_data().get("subject_questions", {}).get(lang) or {}
    return {content_tokens(normalize_heading(q)) - _prepositions(lang): field
            for field, questions in table.items() for q in questions}


@lru_cache(maxsize=16)
def _subject_nouns(lang: str) -> frozenset[str]:
    return frozenset(labelling_data().get("subject_nouns", {}).get(lang) or ())


OPENING_MIN_WORDS = 2  # a field's wording this long opens a question about the page's subject


@lru_cache(maxsize=16)
def _question_openings(vocab: Vocabulary) -> tuple[tuple[tuple[str, ...], str], ...]:
    """The wordings of two or more words with their field, longest first (the longest opening decides)."""
    found = {(tuple(normalize_heading(v).split()), s.name) for s in vocab.sections for v in s.variants}
    return tuple(sorted(((v, f) for v, f in found if len(v) >= OPENING_MIN_WORDS), key=lambda x: (-len(x[0]), x)))


_UNDECIDED = object()
# The evidence a heading's score weighs ([weights] of data/labelling.toml, fitted on tune).
FEATURES = ("vocabulary", "vocabulary_folded", "temporal", "content_cue")


class HeadingLabeller:
    """Labels the headings of one page (its own words are those of its title and `<title>`)."""

    def __init__(self, vocab: Vocabulary, own_texts: list[str | None], lang: str = "en") -> None:
        self.vocab, self.lang, self._own_texts = vocab, lang, own_texts
        self.weights = labelling_data()[labelling_data()["weights"]["use"]]
        self._memo: dict[str, tuple[str | None, str | None, frozenset[str]]] = {}
        self._decided: dict[str, str | None] = {}

    @cached_property
    def own(self) -> frozenset[str]:
        """The page's own words: those of its title and `<title>` that are no field's wording (read
        only when a heading the vocabulary does not name needs them)."""
        fields, own = _field_words(self.vocab), set()
        for text in self._own_texts:
            if text:
                own |= {w for w in normalize_heading(text).split()
                        if (tokens := content_tokens(w) - self.vocab.stop) and not tokens & fields}
        return frozenset(own)

    def _reduced(self, text: str) -> str:
        """The folded heading without the page's own words."""
        return " ".join(word for word in fold(text, self.lang).split() if word not in self.own)

    @cached_property
    def _title_words(self) -> frozenset[str]:
        """The page's own words that are words of its title (the procedure's name)."""
        title = self._own_texts[0] if self._own_texts else None
        return frozenset(normalize_heading(title).split()) & self.own if title else frozenset()

    def _subject_question(self, text: str) -> str | None:
        """The field of a question about the page's own subject ("Who needs <the title>?"), or None."""
        questions = _subject_questions(self.lang)
        if not questions:
            return None
        words = fold(text, self.lang).split()
        if not self._title_words.intersection(words) or any(w in self.own and w not in self._title_words for w in words):
            return None  # the heading does not name the page's subject, or names the site ("... at <clinic>")
        left = content_tokens(" ".join(w for w in words if w not in self.own)) - _prepositions(self.lang) \
            - _subject_nouns(self.lang)
        return questions.get(left)

    def _opening_question(self, text: str) -> str | None:
        """The field of a question that opens with a field's wording of two or more words and then names
        the page's own subject ("Comment se passe <the title> en Espagne ?", "¿Qué es una <title> dental?"),
        or None: the rest holds a word of the title, no field's word and no word of the site's name."""
        if not is_question(text):
            return None
        words = fold(text, self.lang).split()
        fields = _field_words(self.vocab)
        for variant, field in _question_openings(self.vocab):
            size = len(variant)
            if tuple(words[:size]) != variant:
                continue
            rest = words[size:]
            if self._title_words.intersection(rest) and not any(w in self.own and w not in self._title_words for w in rest) \
                    and not (content_tokens(" ".join(rest)) - self.vocab.stop - _prepositions(self.lang)) & fields:
                return field
            return None
        return None

    def _cued(self, field: str, body: str) -> bool:
        section = self.vocab.section(field)
        return any(c.search(body) for c in section.cues + section.heading_cues)

    def _direct(self, text: str) -> tuple[str, ...]:
        """The fields the vocabulary names for the heading as written: its best match, or the wordings
        tied with it narrowed to the one holding the heading's head noun ("Advantages of the technique":
        benefits, not steps). Still tied, or two heads joined ("Risks and benefits"): the vocabulary's
        match (letting the content's cues decide such ties lowered check: not done)."""
        ties = self.vocab.ties(text)
        if len(ties) < 2:
            return (found,) if (found := self.vocab.match(text)) else ()
        norm = fold(text, self.lang)
        if _conjunctions(self.lang) & set(norm.split()):
            return (self.vocab.match(text),)  # "Risks and benefits": two heads, none over the other
        head = head_noun(norm, self.lang)
        held = tuple(f for f in ties if head in _field_wording(self.vocab, f))
        return held if len(held) == 1 else (self.vocab.match(text),)

    def evidence(self, text: str) -> tuple[tuple[str, ...], str | None, frozenset[str]]:
        """(the vocabulary's field for the heading as written, its field once folded and without the
        page's own words, the fields of its stage words), worked out once per heading and page.
        The folded match is sought only where the heading as written names nothing."""
        found = self._memo.get(text)
        if found is None:
            direct = self._direct(text)
            folded = None
            if not direct and (reduced := self._reduced(text)) != normalize_heading(text) \
                    and content_tokens(reduced) & _field_words(self.vocab):  # (no field word left: nothing to find)
                folded = self.vocab.match(reduced, fuzzy=False)  # (the words left are no wording to spell-correct)
                head = head_noun(fold(text, self.lang), self.lang)
                if folded is not None and head is not None and head not in _field_wording(self.vocab, folded):
                    folded = None  # the head noun names something else ("Payment plans for the procedure")
            if not direct and folded is None:
                folded = self._subject_question(text)
            if not direct and folded is None:
                folded = self._opening_question(text)
            # (stage words are read on the whole folded heading: cached across pages)
            found = self._memo[text] = (direct, folded, stages(fold(text, self.lang), self.lang))
        return found

    def features(self, text: str, field: str, body: str | None = None) -> tuple[float, ...]:
        """The evidence that a heading names field, one value per name of FEATURES (the fitting tool
        tests/corpus/tools/fit_labelling.py reads the same vector): the vocabulary's match as written,
        its match once folded, one stage word of the field, a cue of the field in the content."""
        direct, folded, staged = self.evidence(text)
        return (float(field in direct), float(folded == field), float(len(staged) == 1 and field in staged),
                float(body is not None and self._cued(field, body)))

    def candidates(self, text: str) -> list[str]:
        """The fields with evidence in the heading's own words (the content's cues only add to these)."""
        direct, folded, staged = self.evidence(text)
        found = [*direct, *([folded] if folded else [])]
        if len(staged) == 1:
            found.append(next(iter(staged)))
        return list(dict.fromkeys(found))

    def scores(self, text: str, body: str | None = None) -> dict[str, float]:
        """Each field's score for a heading (fields without evidence left out): the weighted sum of its
        features (a content cue counts only when body, the heading's content, is given)."""
        weights = [self.weights[name] for name in FEATURES]
        return {field: sum(w * v for w, v in zip(weights, self.features(text, field, body), strict=True))
                for field in self.candidates(text)}

    def match(self, text: str, weak: bool = False, body: Callable[[], str] | None = None) -> str | None:
        """The field a heading names, or None (no field reaches the threshold, or two tie). With the
        hand-set weights a wording labels, and a stage word alone is weak evidence, like a vocabulary
        keyword, unless the heading's content (body: its text, read only where its cues may decide)
        bears a cue of the same field. weak=True: the field of weak evidence (weak_match)."""
        if weak:
            return self.weak_match(text)
        found = self._decided.get(text, _UNDECIDED)
        if found is _UNDECIDED:
            found = self._decided[text] = self._decide(self.scores(text))
        if body is not None and (candidates := self.candidates(text)) and (found is None or len(candidates) > 1):
            return self._decide(self.scores(text, body()))
        return found

    def _decide(self, scores: dict[str, float]) -> str | None:
        """The best-scored field, unless under the threshold or tied with another."""
        if not scores:
            return None
        best = max(scores, key=scores.__getitem__)
        score = scores[best]
        if score < self.weights["threshold"] or sum(1 for v in scores.values() if v == score) > 1:
            return None
        return best

    def weak_match(self, text: str) -> str | None:
        """The field of weak evidence, on a page that already has two strongly named sections: the
        heading's own field, else its one stage word, else a vocabulary keyword ("Before your visit");
        none when two stages meet ("Before & after photos": a keyword of either names nothing)."""
        staged = self.evidence(text)[2]
        if len(staged) > 1:
            return None
        return self.match(text) or (next(iter(staged)) if staged else None) or self.vocab.match(text, weak=True)
