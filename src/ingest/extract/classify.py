"""Page-type classification: procedure, term, billing, or unsupported, with evidence.

Term and billing pages are recognised by their own signals first (titles such as
"DEFINITION of X" or "CPT 64632: ...", their section headings and labels); then a
page is a procedure page when its scored evidence (extract/evidence.py) reaches the
threshold: named sections, a title naming a procedure, a defining summary, JSON-LD,
against condition, overview, profile, contact and price-list signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.extract.evidence import Evidence, procedure_evidence, weights
from ingest.extract.lang import covered
from ingest.extract.page_features import page_features
from ingest.extract.page_identity import identity_model
from ingest.extract.billing import billing_signals, extract_billing, is_billing_page
from ingest.extract.procedure import ProcedureDraft, extract_procedure
from ingest.extract.term import extract_term, is_term_page, term_signals
from ingest.parse.blocks import ParsedPage

# The former rule, kept: a page naming this many distinct sections in headings ...
MIN_ANCHORED_SECTIONS = 3
# ... and yielding this many sections in all (recovered ones included) ...
MIN_SECTIONS = 6
# ... of which at least one is procedure-specific, is a procedure page whatever else it shows
# (reference pages with a full set of sections), unless the evidence is negative.
PROCEDURE_CORE = frozenset({"procedure_steps", "preparation", "recovery", "indications"})


@dataclass(frozen=True)
class Classification:
    page_type: str  # procedure | term | billing | unsupported
    evidence: str
    fields: dict | None = field(default=None, compare=False)


def procedure_score(draft: ProcedureDraft, page: ParsedPage) -> tuple[Evidence, bool]:
    """The draft's scored evidence, and whether a data file covers its language."""
    is_covered = covered(draft.fields.get("language") or "", " ".join(b.text for b in page.blocks[:60]))
    scored = procedure_evidence(page, draft.fields.get("title"), draft.summary_first or draft.fields.get("summary"),
                                draft.anchored, draft.lang, draft.headings,
                                (page.og_title or page.head_title) if draft.title_source == "heading" else None,
                                covered=is_covered)
    return scored, is_covered


def hand_accepts(draft: ProcedureDraft, scored: Evidence | None) -> bool:
    """The hand-set decision: the evidence reaches the threshold, or a full set of sections with no
    negative evidence."""
    anchored, total = draft.anchored, draft.anchored | draft.recovered
    full = len(anchored) >= MIN_ANCHORED_SECTIONS and len(total) >= MIN_SECTIONS and bool(total & PROCEDURE_CORE)
    negative = scored is not None and any(v < 0 for v in scored.parts.values()) and scored.score < weights()["threshold"]
    return (full and not negative) or (scored is not None and scored.score >= weights()["threshold"])


def classify_procedure(draft: ProcedureDraft, page: ParsedPage | None = None) -> Classification:
    """Whether a procedure draft is really a procedure page, and why (the scored evidence; the fitted
    model of data/page_identity.toml decides when that file says `use = "fitted"`)."""
    anchored, total = draft.anchored, draft.anchored | draft.recovered
    evidence = (f"{len(anchored)} section headings ({', '.join(sorted(anchored)) or 'none'}), "
                f"{len(total)} sections in all")
    scored, is_covered = (None, True) if page is None or draft.lang is None else procedure_score(draft, page)
    if scored is not None:
        evidence = f"{scored.describe()}; {evidence}"
    if not draft.fields.get("title"):
        return Classification("unsupported", "no title; " + evidence)
    accepted = hand_accepts(draft, scored)
    model = identity_model()
    if scored is not None and model.in_force:
        features = page_features(page, draft.fields["title"], anchored, draft.lang, scored, weights(), is_covered, accepted)
        p = model.probability(features)
        evidence = f"model p {p:.2f} (accepts at {model.threshold:g}); {evidence}"
        # (a page where nothing names a procedure is accepted only as the hand weights accept it: structure
        # alone - many headings, much prose - is what long pages of any kind show)
        accepted = p >= model.threshold and (accepted or features["about"] == 1.0)
    if accepted:
        fields = dict(draft.fields)
        if scored is not None:
            fields["page_type_evidence"] = {"score": scored.score, **scored.parts}
        return Classification("procedure", evidence, fields)
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
    return classify_procedure(extract_procedure(page), page)
