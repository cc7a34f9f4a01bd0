"""Per-language data (data/lang/<code>.toml): evidence lexicons, heading wordings, content cues.

A page's language comes from its markup (ParsedPage.language) when that names a language we
have data for, else from its text: a script named by a data file (e.g. Hangul), else the
file whose stop words are most frequent. A new language is a new data file, no new code.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ingest.extract.wording import normalize_heading

DEFAULT = "en"
_DETECT_CHARS = 4000  # text sampled for detection
_SCRIPT_CHARS = 1500  # ... and for the script check
_WORD = re.compile(r"\w+", re.U)
_DIACRITIC = re.compile("[\u00df-\u00ff\u0100-\u017f]")  # a Latin letter with a diacritic (ß, é, ã, Ą, ...)
_BEYOND_LATIN = re.compile("[^\x00-\u02ff]")  # letters of scripts other than Latin (and punctuation past it)


@dataclass(frozen=True, eq=False)
class LangData:
    """Compiled data of one language."""

    code: str
    stopwords: frozenset[str]
    script: str
    evidence: dict[str, tuple[re.Pattern[str], ...]]  # regex lists
    heading_sets: dict[str, frozenset[str]]  # condition_headings, person_headings, ... (normalized)
    separators: tuple[str, ...]
    sections: dict[str, dict]  # section -> {"variants": [...], "cues": [...]}
    sentences: dict[str, tuple[re.Pattern[str], ...]] = None  # text field -> cues of a sentence stating it

    def any(self, key: str, text: str) -> bool:
        """True when one of the `key` patterns occurs in text."""
        return any(p.search(text) for p in self.evidence.get(key, ()))

    def count(self, key: str, text: str) -> int:
        """Occurrences of the `key` patterns in text."""
        return sum(len(p.findall(text)) for p in self.evidence.get(key, ()))


def _files() -> dict[str, str]:
    root = resources.files("ingest.data").joinpath("lang")
    return {f.name[:-5]: f.read_text("utf-8") for f in root.iterdir() if f.name.endswith(".toml")}


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """Codes of the languages we have data for."""
    return tuple(sorted(_files()))


@lru_cache(maxsize=None)
def lang_data(code: str) -> LangData:
    """The compiled data of language `code` (English when there is no file for it)."""
    files = _files()
    data = tomllib.loads(files.get(code) or files[DEFAULT])
    ev = data.get("evidence", {})
    regex_keys = [k for k, v in ev.items() if isinstance(v, list) and not k.endswith("_headings")]
    evidence = {k: tuple(re.compile(p, re.I | re.M) for p in ev[k]) for k in regex_keys}
    heading_sets = {k: frozenset(normalize_heading(h) for h in v) for k, v in ev.items() if k.endswith("_headings")}
    detect = data.get("detect", {})
    return LangData(code if code in files else DEFAULT, frozenset(detect.get("stopwords", [])),
                    detect.get("script", ""), evidence, heading_sets,
                    tuple(data.get("title", {}).get("separators", [" | ", " - "])), data.get("sections", {}),
                    {k: tuple(re.compile(p, re.I) for p in v) for k, v in data.get("sentences", {}).items()})


def _script_share(text: str, script: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for ch in letters if not ch.isascii() and _script(ch).startswith(script)) / len(letters)


@lru_cache(maxsize=8192)
def _script(ch: str) -> str:
    return unicodedata.name(ch, "")


def _by_script(sample: str) -> str | None:
    sample = sample[:_SCRIPT_CHARS]
    if sample.isascii() or len(_BEYOND_LATIN.findall(sample)) < 0.2 * len(sample):
        return None  # mostly Latin: no script named by a data file decides
    for code in languages():
        script = lang_data(code).script
        if script and _script_share(sample, script) >= 0.3:
            return code
    return None


def covered(code: str, text: str) -> bool:
    """True when a data file speaks for the page: its language has one, and the text is not mostly in a
    script no data file names (Greek text under lang="en" is read by no lexicon)."""
    sample = text[:_SCRIPT_CHARS]
    beyond_latin = not sample.isascii() and len(_BEYOND_LATIN.findall(sample)) >= 0.2 * len(sample)
    return code in languages() and not (beyond_latin and _by_script(sample) is None)


def detect_language(text: str) -> str:
    """The language of a text from our data files (script, then stop-word frequency); 'en' by default."""
    sample = text[:_DETECT_CHARS]
    if code := _by_script(sample):
        return code
    scores = _stopword_scores(sample)
    best = max(scores, key=lambda c: (scores[c], c == DEFAULT))
    return best if scores[best] > 0 else DEFAULT


# Codes that name no language: "zxx" (no linguistic content), "und" (undetermined), "mul", "mis".
NO_LANGUAGE = frozenset({"zxx", "und", "mul", "mis"})
# The text overrides a declared language we have data for when another file's stop words occur this
# many times and this many times more often than the declared language's ("lang=en" on a Portuguese page).
OVERRIDE_MIN_HITS = 8
OVERRIDE_RATIO = 4


@lru_cache(maxsize=1)
def _stopword_index() -> dict[str, tuple[str, ...]]:
    """Stop word -> the languages whose stop word it is."""
    index: dict[str, list[str]] = {}
    for code in languages():
        for w in lang_data(code).stopwords:
            index.setdefault(w, []).append(code)
    return {w: tuple(codes) for w, codes in index.items()}


def _stopword_scores(text: str) -> dict[str, int]:
    """Occurrences of each language's stop words in text."""
    words = Counter(_WORD.findall(text.lower()))
    scores = dict.fromkeys(languages(), 0)
    for w, codes in _stopword_index().items():
        if n := words.get(w):
            for code in codes:
                scores[code] += n
    return scores


def page_language(declared: str | None, text: str) -> str:
    """The page's language: the text's script when a data file names it, else the language the
    markup declares (primary subtag) unless its stop words clearly do not fit the text (another
    language's are many times more frequent), else the one detected from stop words."""
    if code := _by_script(text[:_DETECT_CHARS]):
        return code
    if declared:
        primary = declared.strip().lower().replace("_", "-").split("-")[0]
        if re.fullmatch(r"[a-z]{2,3}", primary) and primary not in NO_LANGUAGE:
            sample = text[:_SCRIPT_CHARS]
            if primary in languages() and _DIACRITIC.search(sample):  # (text of other Latin-script languages has them)
                scores = _stopword_scores(sample)
                best = max(scores, key=lambda c: (scores[c], c == primary))
                if best != primary and scores[best] >= OVERRIDE_MIN_HITS \
                        and scores[best] >= OVERRIDE_RATIO * max(scores[primary], 1):
                    return best
            return primary
    return detect_language(text)


def with_english(lang: LangData) -> list[LangData]:
    """The language's data, and English's after it (headings and titles in English are common on sites in
    other languages)."""
    return [lang] if lang.code == DEFAULT else [lang, lang_data(DEFAULT)]


def specific_words(words: set[str] | frozenset[str], langs: list[LangData]) -> set[str]:
    """The words that are not generic procedure words ("treatment", "surgery") of any of `langs`."""
    return {w for w in words if not any(p.fullmatch(w) for lg in langs for p in lg.evidence.get("generic_lexicon", ()))}
