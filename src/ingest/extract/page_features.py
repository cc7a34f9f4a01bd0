"""Page-level features for the fitted page-identity model (data/page_identity.toml).

Each feature is a number read from what the earlier passes made: the procedure evidence's parts
(extract/evidence.py, as counts or indicators, not their hand-set weights) and the page's structure,
which does not depend on wording: how many sections keep naming the title's subject, whether the URL
slug names what the title names, question headings, how many headings the page has, whether a data
file covers its language, how much of the text is prose. The names in FEATURES are the names the
weights file lists; a renamed or missing one fails its load (tests/test_page_identity.py).
"""

from __future__ import annotations

import math

from ingest.extract.evidence import ABOUT, BODY_SAMPLE, CORE_SECTIONS, OTHER_SECTIONS, Evidence, has_body_cues
from ingest.extract.identify import shared_words, slug_words
from ingest.extract.lang import LangData, specific_words, with_english
from ingest.extract.subject import sections_on_subject
from ingest.extract.uncovered import question_headings
from ingest.extract.vocabulary import vocabulary
from ingest.parse.blocks import BlockKind, ParsedPage

# name: what it says (1 = yes, 0 = no, else a count, capped)
FEATURES: dict[str, str] = {
    "core_sections": "distinct core sections opened by a heading (indications, preparation, steps, recovery, risks; at most 4)",
    "other_sections": "other procedure sections opened by a heading (benefits, purpose, ...; at most 2)",
    "title_specific": "the title names a specific procedure (lexicon)",
    "title_generic": "the short title only says 'treatment', 'surgery', ...",
    "summary_defines": "the first paragraph defines the subject as a procedure",
    "summary_names": "the first paragraph names a specific procedure",
    "json_ld": "schema.org MedicalProcedure, on the page or nested and named as the title",
    "sections_name_title": "a heading opening a core section names the title's subject",
    "head_title": "<title>/og:title names the procedure of the heading chosen as title",
    "about": "any of the above names a procedure (else sections alone speak)",
    "condition_headings": "distinct disease/condition headings (at most 3)",
    "condition_title": "the title names a disease or condition",
    "overview": "overview title or heading, 'we offer a wide range', a specialty definition",
    "many_procedures": "headings or sibling headings name 3+ other procedures",
    "listing": "'Read more' links",
    "person": "a doctor's profile",
    "contact": "a contact page, or address/opening-hours headings",
    "price_list": "a price list",
    "body_cues": "the text shows content cues of two or more procedure sections",
    "subject_sections": "sections (heading + content, or the lead) that keep naming the title's subject (at most 6)",
    "slug_names_title": "the URL slug and the title share a specific word",
    "question_headings": "question headings (at most 4)",
    "log_headings": "log(1 + number of headings)",
    "covered": "a data file covers the page's language",
    "prose_share": "share of the main text in paragraphs (not list items, rows or headings)",
    "evidence_score": "the hand-set evidence score (data/page_types.toml [procedure]), clipped to [-6, 10]",
    "hand_accepts": "the hand-set decision (the score reaches the threshold, or a full set of sections)",
}
FEATURE_NAMES = tuple(FEATURES)
# The evidence parts alone (a model in place of the hand-set weights) ...
PARTS = FEATURE_NAMES[:FEATURE_NAMES.index("evidence_score")]
# ... and what the model in force reads: the hand-set evidence, and the structure beside it.
MODEL_FEATURES = ("evidence_score", "hand_accepts", "subject_sections", "slug_names_title", "question_headings",
                  "log_headings", "covered", "prose_share", "body_cues")


def _on(ev: Evidence, *names: str) -> float:
    return 1.0 if any(ev.parts.get(n) for n in names) else 0.0


def page_features(page: ParsedPage, title: str, anchored: frozenset[str], lang: LangData, ev: Evidence,
                  weights: dict, covered: bool, hand: bool) -> dict[str, float]:
    """The feature vector of one page (FEATURE_NAMES order), from the evidence the hand weights scored
    and their decision (`hand`)."""
    langs = with_english(lang)
    w = weights
    blocks = page.blocks
    headings = [b for b in blocks if b.kind is BlockKind.HEADING]
    text = " ".join(b.text for b in blocks)
    chars = sum(len(b.text) for b in blocks) or 1
    prose = sum(len(b.text) for b in blocks if b.kind is BlockKind.PARAGRAPH)
    slug = slug_words(page)
    condition = ev.parts.get("condition_headings", 0.0)
    f = {
        "core_sections": float(min(len(anchored & CORE_SECTIONS), w["max_sections"])),
        "other_sections": float(min(len(anchored & OTHER_SECTIONS), 2)),
        "title_specific": 1.0 if ev.parts.get("title_names_procedure") == w["title_lexicon"] else 0.0,
        "title_generic": 1.0 if ev.parts.get("title_names_procedure") == w["title_generic"] else 0.0,
        "summary_defines": _on(ev, "summary_defines_procedure"),
        "summary_names": _on(ev, "summary_names_procedure"),
        "json_ld": _on(ev, "json_ld_procedure", "json_ld_names_title"),
        "sections_name_title": _on(ev, "sections_name_title"),
        "head_title": _on(ev, "head_title_names_procedure"),
        "about": 1.0 if any(k in ev.parts for k in ABOUT) else 0.0,
        "condition_headings": round(condition / w["condition_heading"]) if condition else 0.0,
        "condition_title": _on(ev, "condition_title"),
        "overview": _on(ev, "overview_title", "overview_heading", "overview_summary", "specialty_summary"),
        "many_procedures": _on(ev, "many_procedures"),
        "listing": _on(ev, "listing"),
        "person": _on(ev, "person"),
        "contact": _on(ev, "contact", "contact_headings"),
        "price_list": _on(ev, "price_list"),
        "body_cues": 1.0 if ev.parts.get("body_cues") or has_body_cues(text[:BODY_SAMPLE], vocabulary(lang.code),
                                                                    w["body_cue_hits"]) else 0.0,
        "subject_sections": float(min(sections_on_subject(page, title, langs), 6)) if title else 0.0,
        "slug_names_title": 1.0 if title and slug and specific_words(shared_words(slug, title), langs) else 0.0,
        "question_headings": float(min(len(question_headings(page)), 4)),
        "log_headings": math.log1p(len(headings)),
        "covered": 1.0 if covered else 0.0,
        "prose_share": round(prose / chars, 3),
        "evidence_score": min(max(ev.score, -6.0), 10.0),
        "hand_accepts": 1.0 if hand else 0.0,
    }
    return {name: float(f[name]) for name in FEATURE_NAMES}
