"""Page-type classification: procedure, term, billing, or unsupported, with evidence.

Term and billing pages are recognised by their own signals first (titles such as
"DEFINITION of X" or "CPT 64632: ...", their section headings and labels); then a
page is a procedure page only when enough procedure sections are named in headings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.extract.billing import billing_signals, extract_billing, is_billing_page
from ingest.extract.procedure import ProcedureDraft, extract_procedure
from ingest.extract.term import extract_term, is_term_page, term_signals
from ingest.parse.blocks import ParsedPage

# A procedure page names at least this many distinct sections in headings ...
MIN_ANCHORED_SECTIONS = 3
# ... and yields at least this many sections in all (recovered ones included) ...
MIN_SECTIONS = 6
# ... of which at least one is procedure-specific (news and health articles rarely have these).
PROCEDURE_CORE = frozenset({"procedure_steps", "preparation", "recovery", "indications"})


@dataclass(frozen=True)
class Classification:
    page_type: str  # procedure | term | billing | unsupported
    evidence: str
    fields: dict | None = field(default=None, compare=False)


def classify_procedure(draft: ProcedureDraft) -> Classification:
    """Whether a procedure draft is really a procedure page, and why."""
    anchored, total = draft.anchored, draft.anchored | draft.recovered
    evidence = (f"{len(anchored)} section headings ({', '.join(sorted(anchored)) or 'none'}), "
                f"{len(total)} sections in all")
    if not draft.fields.get("title"):
        return Classification("unsupported", "no title; " + evidence)
    if len(anchored) >= MIN_ANCHORED_SECTIONS and len(total) >= MIN_SECTIONS and total & PROCEDURE_CORE:
        return Classification("procedure", evidence, draft.fields)
    return Classification("unsupported", "not a procedure page: " + evidence)


def classify_and_extract(page: ParsedPage) -> Classification:
    """The page's type, the evidence for it, and the extracted fields (None when unsupported)."""
    if is_term_page(page):
        fields = extract_term(page)
        term, sections = term_signals(page)
        if fields["term"] and (fields["definition"] or fields["codes"]):
            return Classification("term", f"term page: title names {term!r}, sections {sorted(sections)}", fields)
    if is_billing_page(page):
        fields = extract_billing(page)
        if fields["code"]:
            return Classification("billing", f"billing page: {billing_signals(page)} billing signals", fields)
    return classify_procedure(extract_procedure(page))
