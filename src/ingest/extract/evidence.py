"""Procedure-page evidence: scored positive and negative signals, kept with the decision.

Weights are data (data/page_types.toml [procedure]); words and patterns are per language
(data/lang/<code>.toml [evidence]). English patterns apply on every page as well (titles and
headings in English are common on sites in other languages).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ingest.extract.lang import LangData, lang_data, specific_words, with_english
from ingest.extract.subject import sections_on_subject as _sections_on_subject
from ingest.extract.uncovered import structure_names_subject
from ingest.extract.vocabulary import vocabulary
from ingest.extract.wording import content_tokens, normalize_heading, stem
from ingest.parse.blocks import BlockKind, ParsedPage

CORE_SECTIONS = frozenset({"indications", "preparation", "procedure_steps", "recovery", "risks"})
OTHER_SECTIONS = frozenset({"benefits", "alternatives", "personnel", "purpose", "duration", "setting", "patient_experience"})
ABOUT = ("title_names_procedure", "uncovered_structure", "summary_defines_procedure", "summary_names_procedure", "json_ld_procedure",
         "json_ld_names_title",
         "sections_name_title")
NAME_MAX_WORDS = 6  # a heading, label or item this short may be the name of a procedure


@lru_cache(maxsize=1)
def weights() -> dict:
    """The [procedure] weights of data/page_types.toml."""
    return tomllib.loads(resources.files("ingest.data").joinpath("page_types.toml").read_text("utf-8"))["procedure"]


@dataclass
class Evidence:
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        if value:
            self.parts[name] = round(self.parts.get(name, 0.0) + value, 2)
            self.score = round(self.score + value, 2)

    def describe(self) -> str:
        parts = ", ".join(f"{k} {v:+g}" for k, v in self.parts.items())
        return f"score {self.score:g} ({parts or 'no evidence'})"


def _any(langs: list[LangData], key: str, text: str) -> bool:
    return any(p.search(text) for p in _patterns(tuple(lg.code for lg in langs), key))


@lru_cache(maxsize=256)
def _patterns(codes: tuple[str, ...], key: str) -> tuple:
    """The `key` patterns of these languages, in order."""
    return tuple(p for code in codes for p in lang_data(code).evidence.get(key, ()))


def _lexicon_words(langs: list[LangData], text: str) -> set[str]:
    return set(_lexicon(tuple(lg.code for lg in langs), text))


@lru_cache(maxsize=16384)
def _lexicon(codes: tuple[str, ...], text: str) -> frozenset[str]:
    return frozenset(m.group(0).lower() for code in codes
                     for p in lang_data(code).evidence.get("procedure_lexicon", ()) for m in p.finditer(text))


@lru_cache(maxsize=64)
def _entries(code: str, key: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((e, content_tokens(e)) for e in lang_data(code).heading_sets.get(key, ()))


@lru_cache(maxsize=16384)
def _heading_entries(heading: str, codes: tuple[str, ...], key: str, exact: bool) -> frozenset[str]:
    norm = normalize_heading(heading)
    tokens = content_tokens(norm)
    if not tokens or len(tokens) > 6:
        return frozenset()
    return frozenset(entry for code in codes for entry, et in _entries(code, key)
                     if norm == entry or (not exact and et and et <= tokens and len(tokens) - len(et) <= 1))


def _heading_hits(langs: list[LangData], key: str, headings: list[str], exact: bool = False) -> set[str]:
    """Distinct entries of a heading set (e.g. condition_headings) that headings contain (or equal)."""
    codes = tuple(lg.code for lg in langs)
    return set().union(*(_heading_entries(h, codes, key, exact) for h in headings))


def _headings_hit(langs: list[LangData], key: str, headings: list[str]) -> int:
    """How many headings contain (or equal) an entry of a heading set: one heading "Contact us" is one
    heading, though it holds two entries ("contact", "contact us")."""
    codes = tuple(lg.code for lg in langs)
    return sum(1 for h in headings if _heading_entries(h, codes, key, False))


def _without_title(headings: list[str], title: str) -> list[str]:
    """Headings with the title's own words folded away ("Symptoms of Nephrotic Syndrome" under the
    title "Nephrotic Syndrome" reads "symptoms"): a heading that repeats the page's subject says
    what part of it follows."""
    own = content_tokens(normalize_heading(title)) if title else frozenset()
    if not own:
        return headings
    out = []
    for h in headings:
        norm = normalize_heading(h)
        if not content_tokens(norm) & own:  # (both cached: most headings share no word with the title)
            out.append(h)
            continue
        words = norm.split()
        kept = [x for x in words if stem(x) not in own]
        out.append(" ".join(kept) if kept else h)
    return out


def _names(page: ParsedPage) -> list[str]:
    """Short headings that may name procedures. Bold labels opening a paragraph are names
    mentioned in the text (the types of one treatment), not the page's own structure."""
    return [b.text for b in page.blocks if b.kind is BlockKind.HEADING and len(b.text.split()) <= NAME_MAX_WORDS]


_PARENTHESES = re.compile(r"\(([^()]+)\)")
NAMING_SECTIONS = CORE_SECTIONS | {"benefits"}  # sections whose heading may name the page's subject


def _sections_name_title(title: str, headings: list[str], vocab, separators: tuple[str, ...],
                         langs: list[LangData]) -> bool:
    """A heading that opens a procedure section names the title's subject ("Indications for Sperm
    Banking" under the title "Sperm Banking / Cryopreservation", "How is PGD done?" under "Preimplantation
    Genetic Diagnosis (PGD)"): the page is about that subject. A name of one word counts when it is not a
    generic procedure word ("Benefits of HydraFacial" under "Hydrafacial", not "Risks of surgery")."""
    from ingest.extract.title import split_title  # (title imports nothing from here; kept local for clarity)
    names = [n for p in (split_title(title, separators) if title else []) for n in (p, *_PARENTHESES.findall(p))]
    parts = [content_tokens(normalize_heading(n)) for n in names]
    parts = [p for p in parts if len(p) >= 2 or (p and specific_words(set(p), langs) == set(p))]
    if not parts:
        return False
    for h in headings:
        if vocab.match(h) not in NAMING_SECTIONS:
            continue
        tokens = content_tokens(normalize_heading(h))
        if any(p <= tokens for p in parts):
            return True
    return False


def _sibling_names(page: ParsedPage, langs: list[LangData], title_words: set[str], vocab) -> int:
    """The most sibling headings (same parent, same level) that are names of procedures other than
    the title's: short, ending in a procedure word ("Laparoscopic Surgery", "Tubal Surgery")."""
    groups: dict[tuple[str, int], int] = {}
    parents: list[tuple[int, str]] = []
    for b in page.blocks:
        if b.kind is not BlockKind.HEADING or not b.level:
            continue
        while parents and parents[-1][0] >= b.level:
            parents.pop()
        parent = parents[-1][1] if parents else ""
        parents.append((b.level, b.text))
        words = normalize_heading(b.text).split()
        if not words or len(words) > NAME_MAX_WORDS - 2 or vocab.match(b.text) is not None:
            continue
        found = _lexicon_words(langs, b.text)
        last = _lexicon_words(langs, words[-1])
        if found and last and not found <= title_words:
            groups[(parent, b.level)] = groups.get((parent, b.level), 0) + 1
    return max(groups.values(), default=0)


def _defines_title_as_specialty(langs: list[LangData], summary: str, title: str) -> bool:
    """The first paragraph defines the title's subject as a specialty: "Orthodontics is the branch of
    dentistry that ..." under "Orthodontics" (or "Is the specialty that ..."), not a sentence about
    another subject ("Implantology is a specialty ..." under "Dental Implants")."""
    own = content_tokens(normalize_heading(title))
    for p in _patterns(tuple(lg.code for lg in langs), "specialty_cues"):
        m = p.search(summary)
        if m and content_tokens(normalize_heading(summary[:m.start()])) <= own:
            return True
    return False


def _is_procedure_type(obj: dict) -> bool:
    types = obj.get("@type")
    return any(isinstance(t, str) and ("Procedure" in t or t in ("MedicalTest", "MedicalTherapy", "TherapeuticProcedure"))
               for t in (types if isinstance(types, list) else [types]))


def _json_ld_procedure(page: ParsedPage) -> bool:
    return any(_is_procedure_type(obj) for obj in page.json_ld)


JSON_LD_NODES = 200  # nested JSON-LD values looked at, at most


def _json_ld_names_title(page: ParsedPage, title: str, langs: list[LangData]) -> bool:
    """A procedure nested in the JSON-LD (a clinic's `availableService`, a page's `about`) whose name is
    the title's subject: its words are all in the title, or the title's in it, and one is not a generic
    procedure word ("Kanal Tedavisi" under "Mikroskopik Kanal Tedavisi"). A listing's services carry
    names of their own, not the title's."""
    own = content_tokens(normalize_heading(title))
    if not own or not page.json_ld:
        return False
    stack: list = [v for obj in page.json_ld for v in obj.values() if isinstance(v, (dict, list))]
    seen = 0
    while stack and seen < JSON_LD_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
            continue
        name = item.get("name")
        if _is_procedure_type(item) and isinstance(name, str):
            words = content_tokens(normalize_heading(name))
            if words and (words <= own or own <= words) and specific_words(set(words), langs):
                return True
        stack.extend(v for v in item.values() if isinstance(v, (dict, list)))
    return False


BODY_SAMPLE = 12000  # characters of the page's text scanned for content cues


def has_body_cues(text: str, vocab, min_hits: int) -> bool:
    """True when the text shows cues of two or more list fields, min_hits times in all (stops early)."""
    fields = hits = 0
    for section in vocab.sections:
        if section.kind != "list" or not section.heading_cues:
            continue
        found = 0
        for cue in section.heading_cues:
            for _ in cue.finditer(text):
                found += 1
                if found >= min_hits:
                    break
        fields += found > 0
        hits += found
        if fields >= 2 and hits >= min_hits:
            return True
    return False


def _at_least(patterns, text: str, n: int) -> bool:
    """True when the patterns occur at least n times in text in all (stops counting at n)."""
    if n <= 0:
        return True
    found = 0
    for p in patterns:
        for _ in p.finditer(text):
            found += 1
            if found >= n:
                return True
    return False


def procedure_evidence(page: ParsedPage, title: str | None, summary: str | None, anchored: frozenset[str],
                       lang: LangData, headings: list[str], head_title: str | None = None,
                       covered: bool = True) -> Evidence:
    """Score the evidence that a page is about one procedure (positive and negative parts).
    `head_title`: the <title>/og:title when it chose the title among the page's headings (the h1 was a
    slogan): two places naming the same procedure. `covered`: the page's language has a data file
    (else its structure speaks for it: extract/uncovered.py)."""
    w = weights()
    langs = with_english(lang)
    ev = Evidence()
    title = title or ""
    core, other = anchored & CORE_SECTIONS, anchored & OTHER_SECTIONS
    ev.add("sections", w["section"] * min(len(core), w["max_sections"]) + w["other_section"] * min(len(other), 2))
    title_words = _lexicon_words(langs, title)
    short_question = len(title.split()) <= w["title_generic_max_words"]  # "What is hysteroscopy?" names it
    is_name = len(title.split()) <= w["title_max_words"] and (short_question or not title.rstrip().endswith("?"))
    if title_words and is_name:
        specific = specific_words(title_words, langs)
        if specific or len(title.split()) <= w["title_generic_max_words"]:
            ev.add("title_names_procedure", w["title_lexicon"] if specific else w["title_generic"])
    if summary:
        if _any(langs, "definition_cues", summary):
            ev.add("summary_defines_procedure", w["summary_definition"])
        elif specific_words(_lexicon_words(langs, summary), langs):  # ("procedures", "surgery" alone: news, not a page about one)
            ev.add("summary_names_procedure", w["summary_lexicon"])
        if _any(langs, "overview_cues", summary):
            ev.add("overview_summary", w["overview_cue"])
        if _defines_title_as_specialty(langs, summary, title):
            ev.add("specialty_summary", w["specialty_cue"])
    vocab = vocabulary(lang.code)
    if _sections_name_title(title, headings, vocab, lang.separators, langs):
        ev.add("sections_name_title", w["sections_name_title"])
    if head_title and specific_words(_lexicon_words(langs, head_title) & title_words, langs):
        ev.add("head_title_names_procedure", w["head_title"])
    if _json_ld_procedure(page):
        ev.add("json_ld_procedure", w["json_ld"])
    elif title and _json_ld_names_title(page, title, langs):
        ev.add("json_ld_names_title", w["json_ld_names_title"])
    # Under a title naming one procedure that the sections keep naming, "Causes" and "Symptoms" say
    # what it treats and other procedures' names are its kinds and alternatives (not a condition page or an overview).
    on_subject = ev.parts.get("title_names_procedure") == w["title_lexicon"] \
        and _sections_on_subject(page, title, langs) >= w["subject_sections_min"]
    condition = _heading_hits(langs, "condition_headings", _without_title(headings, title))
    if condition and not on_subject:
        ev.add("condition_headings", w["condition_heading"] * min(len(condition), w["max_condition_headings"]))
    if _any(langs, "condition_title", title) and not title_words - {"pain"}:
        ev.add("condition_title", w["condition_title"])
    if _any(langs, "overview_title", title):
        ev.add("overview_title", w["overview_title"])
    elif _heading_hits(langs, "overview_headings", headings, exact=True):
        ev.add("overview_heading", w["overview_heading"])
    others = set()
    for name in _names(page):
        words = specific_words(_lexicon_words(langs, name), langs) - title_words
        if words and normalize_heading(name) != normalize_heading(title):
            others.add(frozenset(words))
    if not on_subject and (len(others) >= w["many_procedures_min"]
                           or _sibling_names(page, langs, title_words, vocab) >= w["many_procedures_min"]):
        ev.add("many_procedures", w["many_procedures"])
    listing_cues = _patterns(tuple(lg.code for lg in langs), "listing_cues")
    listing = 0
    for b in page.blocks:
        if len(b.text) < 40:
            for p in listing_cues:
                if p.search(b.text):
                    listing += 1
                    break
    if listing >= w["listing_min"]:
        ev.add("listing", w["listing"])
    if _any(langs, "person_title", title) or len(_heading_hits(langs, "person_headings", headings)) >= w["person_headings_min"]:
        ev.add("person", w["person"])
    if _any(langs, "contact_title", title):
        ev.add("contact", w["contact"])
    elif _headings_hit(langs, "contact_headings", headings) >= 2:
        ev.add("contact_headings", w["contact_headings"])
    text = " ".join(b.text for b in page.blocks)
    if _any(langs, "price_title", title) or (not on_subject and _at_least(langs[0].evidence.get("price_cues", ()), text, w["price_min"])):
        ev.add("price_list", w["price"])
    # (scanned only where it can decide, like the content cues below)
    if w["threshold"] - w["subject_sections"] <= ev.score < w["threshold"] and sum(v for v in ev.parts.values() if v < 0) >= w["subject_sections_negative"] \
            and ev.parts.get("title_names_procedure") == w["title_lexicon"] and _sections_on_subject(page, title, langs) >= w["subject_sections_min"]:
        ev.add("sections_on_subject", w["subject_sections"])
    # Content cues are scanned only where they can decide (the scan is the costliest part).
    if w["threshold"] - w["body_cues"] <= ev.score < w["threshold"] and has_body_cues(text[:BODY_SAMPLE], vocab, w["body_cue_hits"]):
        ev.add("body_cues", w["body_cues"])
    if not covered and ev.score < w["threshold"] and structure_names_subject(page, title, lang, w):
        ev.add("uncovered_structure", w["uncovered_structure"])
    if not any(k in ev.parts for k in ABOUT) and len(core) < w["core_alone"]:
        ev.add("nothing_names_a_procedure", -max(ev.score, 0.0))  # sections alone, with no name of a procedure
    return ev
