"""A parsed page -> the fields of a procedure record."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.extract import meta
from ingest.extract.sections import SectionContent, extract_sections
from ingest.extract.vocabulary import Vocabulary, vocabulary
from ingest.parse.blocks import Block, BlockKind, ParsedPage
from ingest.parse.chrome import chrome_rules

PREAMBLE_SCAN = 12  # blocks before the first section heading that may hold title, code and names


@dataclass
class ProcedureDraft:
    """Extracted procedure fields plus the evidence used to classify the page."""

    fields: dict
    anchored: frozenset[str]  # sections opened by a heading
    recovered: frozenset[str]  # sections recovered from order and cues
    evidence: list[str] = field(default_factory=list)


def _page_title(page: ParsedPage, blocks: list[Block]) -> tuple[str | None, int | None]:
    """The descriptor title and the index of its block (if it is one)."""
    rules = chrome_rules()
    if page.text_format == "text":
        for i, b in enumerate(blocks[:PREAMBLE_SCAN]):
            if not rules.is_chrome_text(b.text):
                return b.text, i
        return None, None
    title = page.title or meta.fallback_title(page)
    index = next((i for i, b in enumerate(blocks[:PREAMBLE_SCAN])
                  if b.kind is BlockKind.HEADING and b.text == page.title), None)
    return title, index


def _first_section(blocks: list[Block], vocab: Vocabulary) -> int:
    for i, b in enumerate(blocks):
        if b.kind is BlockKind.HEADING and vocab.label(b.text) is None and vocab.match(b.text):
            return i
    return len(blocks)


def extract_procedure(page: ParsedPage) -> ProcedureDraft:
    """Title, code, names and the 13 sections of a procedure page."""
    vocab = vocabulary()
    blocks = list(page.blocks)
    title, title_index = _page_title(page, blocks)
    if title_index is not None:
        del blocks[title_index]
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
    sections = extract_sections(keep, vocab)
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
        **_section_fields(sections),
    }
    anchored = frozenset(n for n, s in sections.items() if s.anchored)
    return ProcedureDraft(fields, anchored, frozenset(sections) - anchored)


def _section_fields(sections: dict[str, SectionContent]) -> dict:
    vocab = vocabulary()
    out: dict = {"notes": {}, "risk_groups": [],
                 "sections_recovered": [n for n, s in sections.items() if not s.anchored]}
    for name, content in sections.items():
        if vocab.section(name).kind == "text":
            parts = content.paragraphs + content.items + content.notes
            out[name] = "\n\n".join(parts) if parts else None
            continue
        items = content.items or content.paragraphs
        notes = content.notes + (content.paragraphs if content.items else [])
        out[name] = items
        if notes:
            out["notes"][name] = notes
        if name == "risks" and any(label for label, _ in content.groups):
            out["risk_groups"] = [{"label": label, "items": list(group)} for label, group in content.groups]
    return out
