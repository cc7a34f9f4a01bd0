"""Billing / payer overview pages -> billing records (code, service, payers, modifiers)."""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.codes import system_of
from ingest.extract import meta
from ingest.extract.page_types import page_type_vocabulary
from ingest.extract.wording import normalize_heading
from ingest.parse.blocks import Block, BlockKind, ParsedPage

_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+")
_TERMINAL = (".", "!", "?", ":", ")", "\u201d", '"')


def _placeholder(text: str | None) -> bool:
    vocab = page_type_vocabulary("billing")
    return text is None or any(re.match(p, text.strip(), re.I) for p in vocab.extra["placeholders"])


def _label(text: str) -> tuple[str, str] | None:
    """('service_type' | 'site_of_service', value) for a 'Label: value' line."""
    if ":" not in text:
        return None
    label, value = text.split(":", 1)
    norm = normalize_heading(label)
    for name, variants in _label_variants():
        if norm in variants:
            return name, value.strip()
    return None


@lru_cache(maxsize=1)
def _label_variants() -> tuple[tuple[str, frozenset[str]], ...]:
    """The billing labels' normalized wordings (computed once, not per line)."""
    labels = page_type_vocabulary("billing").extra["labels"]
    return tuple((name, frozenset(normalize_heading(v) for v in variants)) for name, variants in labels.items())


def _title(page: ParsedPage) -> tuple[re.Match[str] | None, Block | None]:
    vocab = page_type_vocabulary("billing")
    for block in page.blocks[:8]:
        if (m := vocab.title_match(block.text)) is not None:
            return m, block
    if page.title and (m := vocab.title_match(page.title)):
        return m, None
    return None, None


def billing_signals(page: ParsedPage) -> int:
    """How many billing-page signals a page shows (title 'CPT 64632: ...', sections, labels, modifier table)."""
    vocab = page_type_vocabulary("billing")
    found: set[str] = set()
    if _title(page)[0] is not None:
        found.add("title")
    for b in page.blocks:
        if b.kind is BlockKind.HEADING and (s := vocab.section(b.text)) in ("billing_overview", "clinical_context", "coding"):
            found.add(s)
        elif (lab := _label(b.text)) is not None:
            found.add(lab[0])
        elif b.kind is BlockKind.ROW and b.cells and normalize_heading(b.cells[0]) == "modifier":
            found.add("modifier_table")
    return len(found)


def is_billing_page(page: ParsedPage) -> bool:
    return billing_signals(page) >= 3 and _title(page)[0] is not None


def extract_billing(page: ParsedPage) -> dict:
    """Fields of a billing record."""
    vocab = page_type_vocabulary("billing")
    match, title_block = _title(page)
    fields: dict = {"code": match["code"].upper() if match else None, "title": match["title"].strip() if match else None,
                    "service_type": None, "site_of_service": None, "modifiers": []}
    fields["code_system"] = system_of(fields["code"]) if fields["code"] else None
    sections: dict[str, list[str]] = {}
    current: str | None = "summary"
    header: list[str] | None = None
    last: Block | None = None
    pending_label: str | None = None  # a label given as a heading ("Service type"), value in the next block
    for block in page.blocks:
        if block is title_block or _placeholder(block.text):
            pending_label = None
            continue
        if (lab := _label(block.text)) is not None and lab[1]:
            if not _placeholder(lab[1]):
                fields[lab[0]] = lab[1]
            continue
        if block.kind is BlockKind.HEADING:
            label = _label(block.text + ":")
            if label is not None:
                pending_label = label[0]
                continue
            current = vocab.section(block.text) if block.form != "line" or vocab.section(block.text) else current
            continue
        if pending_label is not None:
            fields[pending_label], pending_label = block.text, None
            continue
        if current is None:
            continue  # a section billing records do not carry (calls to action, teasers)
        if block.kind is BlockKind.ROW:
            cells = [normalize_heading(c) for c in block.cells]
            if cells and cells[0] == "modifier":
                header = cells
            elif header is not None and block.cells and block.cells[0]:
                fields["modifiers"].append(_modifier(header, block.cells))
            last = block
            continue
        if block.kind is not BlockKind.HEADING:
            sections.setdefault(current, []).append(block.text)
            last = block
    summary = sections.get("summary", []) + sections.get("billing_overview", [])
    fields["summary"] = "\n\n".join(summary) or None
    fields["clinical_context"] = "\n\n".join(sections.get("clinical_context", [])) or None
    payers = re.search(vocab.extra["payer_sentence"], " ".join(summary), re.I)
    fields["payers"] = [p.strip() for p in _LIST_SPLIT.split(payers["payers"]) if p.strip()] if payers else []
    fields["truncated"] = _truncated(page, last, header)
    fields["url"] = meta.page_url(page)
    return fields


def _modifier(header: list[str], cells: tuple[str, ...]) -> dict:
    values = {name: (cells[i] if i < len(cells) and not _placeholder(cells[i]) and cells[i] else None)
              for i, name in enumerate(header)}
    return {"modifier": cells[0].strip(), "description": values.get("description"),
            "when_to_use": values.get("when to use")}


def _truncated(page: ParsedPage, last: Block | None, header: list[str] | None) -> bool:
    """The page ends mid-table or mid-sentence."""
    if page.markup_truncated:
        return True
    if last is None:
        return False
    if last.kind is BlockKind.ROW:
        return header is not None and (len(last.cells) < len(header) or not all(last.cells))
    return not last.text.rstrip().endswith(_TERMINAL)
