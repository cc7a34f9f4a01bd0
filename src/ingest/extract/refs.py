"""The codes a record refers to, read where the page-type registry says they are (ingest.models.PAGE_TYPES)."""

from __future__ import annotations

from ingest.codes import find_codes
from ingest.models import PAGE_TYPES


def code_references(page_type: str, record: dict) -> list[dict]:
    """The codes a record refers to, each with the description the page gives and the field it is in."""
    rule = PAGE_TYPES[page_type].code_refs
    refs: list[dict] = []
    if rule.own_code and record.get("code"):
        refs.append({"system": record["code_system"] or "CPT", "code": record["code"],
                     "description": record.get("title"), "field": "code"})
    if rule.code_list:
        refs.extend({"system": c["system"], "code": c["code"], "description": c["description"], "field": rule.code_list}
                    for c in record[rule.code_list])
    if rule.modifier_list:
        refs.extend({"system": "MODIFIER", "code": m["modifier"], "description": m["description"],
                     "field": rule.modifier_list} for m in record[rule.modifier_list])
    for name in rule.text_fields:
        value = record.get(name)
        for text in (value if isinstance(value, list) else [value] if value else []):
            refs.extend({"system": m.system, "code": m.code, "description": None, "field": name}
                        for m in find_codes(text) if m.kind == "code" and m.code != record.get("code"))
    return refs
