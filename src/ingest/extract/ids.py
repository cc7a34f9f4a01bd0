"""Record ids: stable across builds, made by the rule the page-type registry names (ingest.models.PAGE_TYPES)."""

from __future__ import annotations

import hashlib

from ingest.extract.wording import normalize_heading
from ingest.models import PAGE_TYPES


def record_id(page_type: str, code: str | None, code_system: str | None, title: str) -> str:
    """Id by the `code_or_title` rule: from the code when known, else from the normalized title."""
    if code:
        return f"{page_type}:{(code_system or 'cpt').lower()}:{code}"
    norm = normalize_heading(title)
    slug = "-".join(norm.split())[:60].rstrip("-") or "untitled"
    return f"{page_type}:title:{slug}-{hashlib.sha1(norm.encode()).hexdigest()[:8]}"


def term_id(term: str) -> str:
    """Id by the `term` rule: the normalized term itself."""
    return f"term:{'-'.join(normalize_heading(term).split())[:80] or 'untitled'}"


def record_id_of(page_type: str, fields: dict) -> str:
    """The id of a record of page_type with these extracted fields."""
    if PAGE_TYPES[page_type].id_rule == "term":
        return term_id(fields["term"])
    return record_id(page_type, fields.get("code"), fields.get("code_system"), fields.get("title") or "")
