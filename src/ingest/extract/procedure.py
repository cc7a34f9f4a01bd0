"""A parsed page -> the fields of a procedure record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.extract import meta
from ingest.extract.identify import identify_title
from ingest.extract.label import HeadingLabeller
from ingest.extract.lang import LangData, lang_data, page_language
from ingest.extract.route import route, section_fields
from ingest.extract.segment import segment, without_contents_lists
from ingest.extract.sentences import stated_sentence
from ingest.extract.title import page_title
from ingest.extract.vocabulary import Vocabulary, vocabulary
from ingest.parse.blocks import Block, BlockKind, ParsedPage
from ingest.parse.chrome import chrome_rules

_ALNUM = re.compile(r"[^\W_]")  # a letter or digit: a block without one (an ornament) is no content
PREAMBLE_SCAN = 12  # blocks before the first section heading that may hold title, code and names


@dataclass
class ProcedureDraft:
    """Extracted procedure fields plus the evidence used to classify the page."""

    fields: dict
    anchored: frozenset[str]  # sections opened by a heading
    recovered: frozenset[str]  # sections recovered from order and cues
    evidence: list[str] = field(default_factory=list)
    lang: LangData | None = None
    title_source: str = ""  # h1, og:title, title, heading
    summary_first: str | None = None  # the first descriptive paragraph of the main content
    headings: list[str] = field(default_factory=list)  # every heading text (for page-type evidence)
    preamble: list[Block] = field(default_factory=list)


def _page_title(page: ParsedPage, blocks: list[Block], lang: LangData) -> tuple[str | None, int | None, str]:
    """The descriptor title, the index of its block (if it is one) and where it came from."""
    rules = chrome_rules()
    if page.text_format == "text":
        for i, b in enumerate(blocks[:PREAMBLE_SCAN]):
            if not rules.is_chrome_text(b.text):
                return b.text, i, "line"
        return None, None, ""
    title, how = identify_title(page, lang, *page_title(page, lang))
    index = next((i for i, b in enumerate(blocks[:PREAMBLE_SCAN * 3])
                  if b.kind is BlockKind.HEADING and b.text == title), None)
    return title, index, how


# A paragraph is descriptive (a summary candidate) from this many words.
SUMMARY_MIN_WORDS = 8
SUMMARY_MIN_CHARS = 25  # ... or characters (scripts with long words: Korean, Japanese)
SUMMARY_LONG = 20  # ... and from this many it need not end a sentence (cut-off teasers)
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f]['\")\u201d]?\s*$")  # a paragraph of sentences, not a contact line
_CONTACT = re.compile(r"@\w+\.\w|\+?\d[\d\s-]{8,}\d")


def _first_paragraph(blocks: list[Block]) -> str | None:
    rules = chrome_rules()
    for b in blocks:
        if b.kind is BlockKind.PARAGRAPH and (len(b.text.split()) >= SUMMARY_MIN_WORDS or len(b.text) >= SUMMARY_MIN_CHARS) \
                and not rules.is_chrome_text(b.text) \
                and (_SENTENCE_END.search(b.text) or len(b.text.split()) >= SUMMARY_LONG) and not _CONTACT.search(b.text):
            return b.text
        if b.kind is BlockKind.ITEM and b.list_id is not None:
            return None  # content starts with a list: no descriptive paragraph
    return None


_SENTENCE_BREAK = re.compile(r"[.!?\u3002](?:['\")\u201d])?\s+\S")


def _summary(blocks: list[Block], vocab: Vocabulary) -> str | None:
    """The first descriptive paragraph; a one-sentence line standing alone right before a heading that
    introduces the subject ("What are dental implants?") is a tagline, so that section's first paragraph
    is taken instead."""
    first = _first_paragraph(blocks)
    if first is None or _SENTENCE_BREAK.search(first):
        return first
    at = next(i for i, b in enumerate(blocks) if b.kind is BlockKind.PARAGRAPH and b.text == first)
    nxt = blocks[at + 1] if at + 1 < len(blocks) else None
    if nxt is not None and nxt.kind is BlockKind.HEADING and vocab.match(nxt.text, weak=True) == "summary" \
            and at + 2 < len(blocks) and blocks[at + 2].kind is BlockKind.PARAGRAPH:
        return _first_paragraph(blocks[at + 2:]) or first
    return first


def _names_list_section(title: str | None, vocab: Vocabulary) -> bool:
    section = vocab.match(title) if title else None
    return section is not None and vocab.section(section).kind == "list"


def _first_section(blocks: list[Block], vocab: Vocabulary) -> int:
    for i, b in enumerate(blocks):
        if b.kind is BlockKind.HEADING and vocab.label(b.text) is None and vocab.match(b.text):
            return i
    return len(blocks)


STATED_FIELDS = ("duration", "setting")  # text fields a sentence may state when no heading names them


def extract_procedure(page: ParsedPage) -> ProcedureDraft:
    """Title, code, names and the 13 sections of a procedure page."""
    blocks = without_contents_lists(list(page.blocks))
    lang_code = page_language(getattr(page, "language", None), " ".join(b.text for b in blocks[:60]))
    lang = lang_data(lang_code)
    vocab = vocabulary(lang.code)
    title, title_index, title_how = _page_title(page, blocks, lang)
    summary_first = (_summary(blocks[title_index + 1:], vocab) if title_index is not None else None) or _first_paragraph(blocks)
    title_block = blocks[title_index] if title_index is not None else None
    if title_index is not None and not _names_list_section(title, vocab):
        del blocks[title_index]  # (a title such as "Post-operative instructions ..." opens its section)
    names: list[str] = []
    name_line: str | None = None
    preamble_texts: list[str] = [title or ""]
    keep: list[Block] = []
    end = min(_first_section(blocks, vocab), PREAMBLE_SCAN)
    expect_name = False
    for b in blocks[:end]:
        label = vocab.label(b.text)
        found_names = meta.common_names(b.text)
        preamble_texts.append(b.text)
        if label == "title":
            expect_name = not b.text.split(":", 1)[1].strip() if ":" in b.text else True
            if not expect_name:
                name_line = b.text.split(":", 1)[1].strip()
            continue
        if found_names is not None:
            names.extend(found_names)
            if expect_name:
                name_line = b.text[: b.text.lower().find("common name")].strip() or None
            expect_name = False
            continue
        if expect_name:
            name_line, expect_name = b.text, False
            continue
        if label == "common_names":
            continue
        if meta.stated_code([b.text], None) and len(b.text.split()) <= 20:
            continue  # a "CPT® 64721" line
        keep.append(b)
    keep.extend(blocks[end:])
    unmatched: list[str] = []
    labeller = HeadingLabeller(vocab, [title, name_line, page.head_title, page.og_title], lang.code)
    runs = segment(keep, vocab, lang, labeller.match, labeller.weak_match)  # segment, with the label pass
    unassigned: list[Block] = []
    sections = route(runs, keep, vocab, unmatched, unassigned)
    url = meta.page_url(page)
    title = meta.clean_title(title) if title else name_line
    code = meta.json_ld_code(page)
    code_fields: dict = {"code": None, "code_system": None, "code_source": None}
    if code:
        code_fields = {"code": code[0], "code_system": code[1], "code_source": "json_ld"}
    elif stated := meta.stated_code(preamble_texts, url):
        code_fields = {"code": stated[0], "code_system": stated[1], "code_source": stated[2]}
    elif "summary" in sections and (stated := meta.stated_code(sections["summary"].paragraphs[:1], None)):
        code_fields = {"code": stated[0], "code_system": stated[1], "code_source": "body"}
    fields = {
        "title": title,
        "common_names": names,
        **code_fields,
        "add_on": meta.is_add_on(title, name_line),
        "url": url,
        **section_fields(sections, vocab),
        "language": lang_code,
        "section_sources": {n: c.source for n, c in sections.items() if c.source},
        "headings_unmatched": unmatched,
    }
    # HTML pages: the summary is the first descriptive paragraph of the main content (a "What is it?"
    # section further down does not replace it); text exports keep their summary section.
    first_is_free = summary_first and not any(summary_first in (fields.get(n) or []) for n in sections if n != "summary")
    if page.text_format == "html" and first_is_free and summary_first != fields.get("summary"):
        fields["summary"] = summary_first
        fields["section_sources"]["summary"] = "first paragraph"
    # Headings of the main content (after the title; navigation menus stand before it). dt: a term, not a heading.
    after = page.blocks[page.blocks.index(title_block) + 1:] if title_block is not None else page.blocks
    if page.text_format == "html":
        langs = [lang] if lang.code == "en" else [lang, lang_data("en")]
        for name in STATED_FIELDS:
            if not fields.get(name) and (sentence := stated_sentence(after, langs, name)):
                fields[name] = sentence
                fields["section_sources"][name] = "sentence"
    # Main-content blocks no field took (the summary and stated sentences are taken apart from the sections).
    taken = {fields.get("summary")} | {fields.get(name) for name in STATED_FIELDS}
    fields["unassigned_blocks"] = sum(1 for b in unassigned if b.text not in taken and _ALNUM.search(b.text or " ".join(b.cells)))
    anchored = frozenset(n for n, s in sections.items() if s.anchored)
    headings = [b.text for b in after if b.kind is BlockKind.HEADING and b.form != "dt"]
    return ProcedureDraft(fields, anchored, frozenset(sections) - anchored, lang=lang, title_source=title_how,
                          summary_first=summary_first, headings=headings, preamble=blocks[:PREAMBLE_SCAN])
