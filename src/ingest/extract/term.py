"""Glossary / dictionary pages -> term records (definition, etymology, aliases, related terms, codes)."""

from __future__ import annotations

import re

from ingest.codes import find_codes, parse_header, split_code_cell
from ingest.extract import meta
from ingest.extract.page_types import page_type_vocabulary
from ingest.parse.blocks import Block, BlockKind, ParsedPage

_GLOSS = re.compile(r"\s+(?:\(|[\u2014\u2013]\s|-\s)")
_RELATED_SPLIT = re.compile(r"\s*(?:[\u2014\u2013]|\s-\s|:\s)\s*")
# Term endings, for explanations an export glued onto the term ("syndromecompression neuropathy").
_TERM_ENDINGS = ("syndrome", "itis", "osis", "ectomy", "otomy", "algia", "pathy", "plasty", "centesis", "block")
_LANGUAGES = r"(?:Greek|Latin|Neo-?Latin|Late Latin|French|German|Arabic|Old English|Middle English|Sanskrit)"
_ETYMOLOGY_ROW = re.compile(rf"^(?P<part>.+?)\s*(?P<origin>{_LANGUAGES}\b.*?)\s*(?P<meaning>[\u201c\"].*)?$")
_NON_LETTERS = re.compile(r"[^a-z]+")
_CODING_NOTE = re.compile(r"^\W*coding note\s*:\s*", re.I)


def term_signals(page: ParsedPage) -> tuple[str | None, set[str]]:
    """(term named by a title line or None, term-page sections whose headings appear)."""
    vocab = page_type_vocabulary("term")
    term = None
    for text in [page.title or ""] + [b.text for b in page.blocks[:6] if b.kind is BlockKind.HEADING]:
        m = vocab.title_match(text)
        if m:
            term = m["term"].strip()
            break
    sections = {vocab.section(b.text) for b in page.blocks if b.kind is BlockKind.HEADING} - {None, "definition", "end"}
    return term, sections


def is_term_page(page: ParsedPage) -> bool:
    term, sections = term_signals(page)
    return (term is not None and len(sections) >= 1) or (len(sections) >= 3 and "codes" in sections)


def _section_blocks(page: ParsedPage) -> dict[str, list[Block]]:
    vocab = page_type_vocabulary("term")
    out: dict[str, list[Block]] = {"definition": []}
    current = "definition"
    for block in page.blocks:
        glued_code_row = current == "codes" and split_code_cell(block.text) is not None
        if block.kind is BlockKind.HEADING and not glued_code_row:
            section = vocab.section(block.text) if not vocab.title_match(block.text) else "definition"
            if section == "end":
                break
            if section is not None and not (current == "codes" and section == "definition"):
                current = section
                out.setdefault(current, [])
                continue
        out.setdefault(current, []).append(block)
    return out


def extract_term(page: ParsedPage) -> dict:
    """Fields of a term record."""
    term, _ = term_signals(page)
    sections = _section_blocks(page)
    definition = [b.text for b in sections.get("definition", []) if b.kind is BlockKind.PARAGRAPH]
    codes, tables = _codes(sections, page.blocks)
    return {
        "term": term or (page.title or "").strip(),
        "definition": definition[0] if definition else None,
        "definition_more": definition[1:],
        "etymology": _etymology(sections.get("etymology", [])),
        "aliases": [_GLOSS.split(b.text, maxsplit=1)[0].strip() for b in sections.get("aliases", [])
                    if b.kind is BlockKind.ITEM],
        "related_terms": [_related(b.text) for b in sections.get("related_terms", []) if b.kind is BlockKind.ITEM],
        "codes": codes,
        "icd10cm_codes": [c["code"] for c in tables if c["system"] == "ICD-10-CM"],
        "cpt_codes": [c["code"] for c in tables if c["system"] in ("CPT", "HCPCS")],
        "coding_notes": [_CODING_NOTE.sub("", b.text) for b in sections.get("codes", [])
                         if b.kind is BlockKind.PARAGRAPH and split_code_cell(b.text) is None
                         and len(b.text.split()) > 12],
        "url": meta.page_url(page),
    }


def _related(text: str) -> dict:
    parts = _RELATED_SPLIT.split(text, maxsplit=1)
    if len(parts) == 2:
        return {"term": parts[0].strip(), "explanation": parts[1].strip() or None}
    words = text.split()
    for i, word in enumerate(words):
        for ending in _TERM_ENDINGS:
            cut = word.lower().find(ending)
            if (cut > 0 or (cut == 0 and i > 0)) and len(word) - cut - len(ending) >= 4 \
                    and word[:cut + len(ending)].isalpha():
                head = " ".join(words[:i] + [word[:cut + len(ending)]])
                tail = " ".join([word[cut + len(ending):]] + words[i + 1:])
                return {"term": head, "explanation": tail}
    return {"term": text.strip(), "explanation": None}


def _is_component_header(text: str) -> bool:
    """'Component | Origin | Meaning', also glued by an export ('ComponentOriginMeaning')."""
    return _NON_LETTERS.sub("", text.lower()) == "componentoriginmeaning"


def _etymology(blocks: list[Block]) -> dict | None:
    if not blocks:
        return None
    language, components, text = None, [], []
    for b in blocks:
        if _is_component_header(b.text):
            continue
        if b.kind is BlockKind.ROW and len(b.cells) >= 2:
            cells = list(b.cells) + [None, None]
            components.append({"part": cells[0], "origin": cells[1] or None, "meaning": cells[2] or None})
        elif (m := _ETYMOLOGY_ROW.match(b.text)) and len(b.text) < 200 and not b.text.endswith("."):
            components.append({"part": m["part"].strip(), "origin": m["origin"].strip(),
                               "meaning": (m["meaning"] or "").strip() or None})
        elif len(b.text.split()) <= 2 and not text and language is None:
            language = b.text.strip()
        else:
            text.append(b.text)
    return {"language": language, "components": components, "text": "\n\n".join(text) or None}


def _codes(sections: dict[str, list[Block]], blocks: list[Block]) -> tuple[list[dict], list[dict]]:
    """All codes (tables first in page order, then prose) and the table codes alone."""
    tables: list[dict] = []
    hint = None
    for b in sections.get("codes", []):
        text = " | ".join(b.cells) if b.cells else b.text
        header = parse_header(text)
        if header is not None:
            hint = header or hint
            continue
        mention = split_code_cell(text, hint) if (b.cells or b.kind is not BlockKind.ITEM) else None
        if mention is not None and mention.kind == "code":
            tables.append({"system": mention.system, "code": mention.code, "description": mention.description,
                           "context": "table"})
    seen = {(c["system"], c["code"]) for c in tables}
    prose: list[dict] = []
    for b in blocks:
        if b.kind is BlockKind.ROW or (b.kind is BlockKind.HEADING and split_code_cell(b.text)):
            continue
        for m in find_codes(b.text, "prose"):
            if m.kind == "code" and (m.system, m.code) not in seen:
                seen.add((m.system, m.code))
                prose.append({"system": m.system, "code": m.code, "description": m.description, "context": "prose"})
    return tables + prose, tables
