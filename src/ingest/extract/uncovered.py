"""Page identity where no lexicon speaks: a page in a language with no data file (Romanian,
Vietnamese, ...) gets no word-based evidence at all, so its structure has to say what it is about.

A patient-information page about one procedure is named by its title and by its URL slug (the same
specific word in both), keeps naming that subject section after section, and asks questions about
it in its headings ("What is ...?", "How is it done?", "When do you need ...?"), one of them naming it.
News, recipes and interviews in such languages name their subject in title and slug too, but rarely
head their sections with questions about the title's own subject. Weights: data/page_types.toml
[procedure] (uncovered_*).
"""

from __future__ import annotations

from ingest.extract.identify import shared_words, slug_words
from ingest.extract.lang import LangData, specific_words, with_english
from ingest.extract.subject import SUBJECT_PREFIX, WORD, sections_on_subject
from ingest.extract.wording import is_question
from ingest.parse.blocks import BlockKind, ParsedPage

def question_headings(page: ParsedPage) -> list[str]:
    """The headings of the main content that are questions."""
    return [b.text for b in page.blocks if b.kind is BlockKind.HEADING and is_question(b.text)]


def structure_names_subject(page: ParsedPage, title: str, lang: LangData, w: dict) -> bool:
    """True when the title and the URL slug (a name of at most `uncovered_slug_max_words` words) share a
    specific word, at least `uncovered_subject_sections` sections keep naming the title's subject, at
    least `uncovered_questions` headings are questions and one of them names the title's subject (a word
    of it, by its first letters)."""
    slug = slug_words(page)  # (a name, not a headline)
    if not title or not slug or len(slug) > w["uncovered_slug_max_words"] or not specific_words(shared_words(slug, title), with_english(lang)):
        return False
    own = {x[:SUBJECT_PREFIX] for x in specific_words({x.lower() for x in WORD.findall(title)}, with_english(lang))}
    questions = question_headings(page)
    asks_about_it = any(x[:SUBJECT_PREFIX] in own for q in questions for x in WORD.findall(q.lower()))
    return len(questions) >= w["uncovered_questions"] and asks_about_it \
        and sections_on_subject(page, title, [lang]) >= w["uncovered_subject_sections"]
