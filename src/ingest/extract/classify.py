"""Page-type classification: procedure, term, billing, or unsupported, with evidence."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.extract.procedure import ProcedureDraft

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


def classify_procedure(draft: ProcedureDraft) -> Classification:
    """Whether a procedure draft is really a procedure page, and why."""
    anchored, total = draft.anchored, draft.anchored | draft.recovered
    evidence = (f"{len(anchored)} section headings ({', '.join(sorted(anchored)) or 'none'}), "
                f"{len(total)} sections in all")
    if not draft.fields.get("title"):
        return Classification("unsupported", "no title; " + evidence)
    if len(anchored) >= MIN_ANCHORED_SECTIONS and len(total) >= MIN_SECTIONS and total & PROCEDURE_CORE:
        return Classification("procedure", evidence)
    return Classification("unsupported", "not a procedure page: " + evidence)
