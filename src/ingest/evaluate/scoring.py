"""One labelled page against its truth: page type, title, items per list section, text F1s, and where
each truth item landed in the record (its own field, another field, `notes`, nowhere)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ingest.evaluate.matching import match_pairs, normalize_text, prf, token_f1

LIST_SECTIONS = ("indications", "preparation", "procedure_steps", "personnel", "risks", "benefits",
                 "recovery", "alternatives")
TEXT_FIELDS = ("summary", "duration", "setting")
# The record's text fields, read as paragraphs when looking for where a truth item landed.
TEXT_PLACES = ("summary", "purpose", "duration", "setting", "patient_experience")
# Where a truth item can land besides a field of the record.
NOTES, NOWHERE, NO_RECORD = "notes", "nowhere", "no_record"


@dataclass
class SectionScore:
    field: str
    n_truth: int
    n_pred: int
    matched: int
    missed: list[str]
    extra: list[str]

    @property
    def f1(self) -> float:
        return prf(self.matched, self.n_truth, self.n_pred)[2]


@dataclass
class PageScore:
    """How one labelled page came out."""

    name: str
    site: str
    is_procedure: bool
    predicted_procedure: bool
    outcome: str  # the dataset, or "quarantine:<reason>"
    detail: str = ""  # the quarantine detail / page-type evidence
    title_truth: str | None = None
    title_pred: str | None = None
    sections: list[SectionScore] = field(default_factory=list)  # labelled sections
    spurious: list[str] = field(default_factory=list)  # list sections predicted but not labelled
    texts: dict[str, float] = field(default_factory=dict)  # text field -> token F1
    # truth section -> place -> items: the same field, another field, notes, nowhere, no_record
    landing: dict[str, Counter] = field(default_factory=dict)

    @property
    def title_exact(self) -> bool:
        return normalize_text(self.title_truth or "") == normalize_text(self.title_pred or "")

    @property
    def score(self) -> float:
        """One number to rank pages by: 0 for a wrong page type, else the mean of its section and text scores."""
        if self.is_procedure != self.predicted_procedure:
            return 0.0
        if not self.is_procedure:
            return 1.0
        parts = [s.f1 for s in self.sections] + list(self.texts.values()) + [0.0] * len(self.spurious)
        return sum(parts) / len(parts) if parts else 1.0

    def problems(self) -> list[str]:
        """What went wrong, one short line each."""
        out: list[str] = []
        if self.is_procedure and not self.predicted_procedure:
            out.append(f"missed: {self.outcome}: {self.detail}"[:300])
        elif not self.is_procedure and self.predicted_procedure:
            out.append(f"false positive: became a {self.outcome} record ({self.detail})"[:300])
        if not self.predicted_procedure:
            return out
        if self.title_truth and not self.title_exact:
            out.append(f"title {self.title_pred!r}, expected {self.title_truth!r}")
        for s in self.sections:
            if s.f1 < 1.0:
                line = f"{s.field}: F1 {s.f1:.2f} ({s.matched}/{s.n_truth} found, {s.n_pred} predicted)"
                elsewhere = {place: n for place, n in self.landing.get(s.field, {}).items() if place != s.field}
                if elsewhere:
                    line += "; missed items in " + ", ".join(f"{p} {n}" for p, n in sorted(elsewhere.items()))
                if s.missed:
                    line += f"; missed {_short(s.missed[0])}"
                if s.extra:
                    line += f"; extra {_short(s.extra[0])}"
                out.append(line)
        out.extend(f"{name}: predicted but not labelled" for name in self.spurious)
        out.extend(f"{name}: token F1 {f1:.2f}" for name, f1 in self.texts.items() if f1 < 0.85)
        return out


def _short(text: str, n: int = 60) -> str:
    return repr(text if len(text) <= n else text[: n - 1] + "…")


def score_page(name: str, truth: dict, record: dict | None, outcome: str, detail: str) -> PageScore:
    """Score one page's outcome (its record, or None when quarantined) against its truth entry."""
    predicted = record is not None and outcome == "procedures"
    page = PageScore(name=name, site=site_of(name, truth), is_procedure=bool(truth["is_procedure"]),
                     predicted_procedure=predicted, outcome=outcome, detail=detail, title_truth=truth.get("title"),
                     title_pred=(record or {}).get("title"))
    if not page.is_procedure:
        return page
    rec = record if predicted else {}
    labelled = {k: v for k, v in (truth.get("sections") or {}).items() if k in LIST_SECTIONS and v}
    leftover_truth: list[tuple[str, str]] = []  # (truth section, item) not found in its own field
    leftover_pred: list[tuple[str, str]] = []  # (field, item) of the record that no truth item of the field took
    for name_ in LIST_SECTIONS:
        items = labelled.get(name_)
        pred = list(rec.get(name_) or [])
        pairs = match_pairs(items, pred) if items else []
        used_t, used_p = {i for i, _ in pairs}, {j for _, j in pairs}
        if items:
            page.sections.append(SectionScore(name_, len(items), len(pred), len(pairs),
                                              [t for i, t in enumerate(items) if i not in used_t],
                                              [p for j, p in enumerate(pred) if j not in used_p]))
            page.landing[name_] = Counter({name_: len(pairs)} if pairs else {})
            leftover_truth += [(name_, t) for i, t in enumerate(items) if i not in used_t]
        elif pred:
            page.spurious.append(name_)
        leftover_pred += [(name_, p) for j, p in enumerate(pred) if j not in used_p]
    if leftover_truth:
        _land_elsewhere(page, leftover_truth, leftover_pred, rec if predicted else None)
    for name_, text in (truth.get("texts") or {}).items():
        if name_ in TEXT_FIELDS and text:
            page.texts[name_] = token_f1(text, rec.get(name_))
    return page


def site_of(name: str, truth: dict) -> str:
    """A page's site: its truth entry's `site`, else the part of its file name before `__`."""
    return truth.get("site") or name.split("__")[0]


def _land_elsewhere(page: PageScore, truth_items: list[tuple[str, str]], pred_items: list[tuple[str, str]],
                    record: dict | None) -> None:
    """Where the truth items their own field missed went: another field, `notes`, nowhere (or no record).

    The same one-to-one matching as the scorer, first against the other fields' unmatched items and
    the paragraphs of the text fields, then against the notes."""
    if record is None:
        for section, _ in truth_items:
            page.landing[section][NO_RECORD] += 1
        return
    places = pred_items + [(name, part) for name in TEXT_PLACES for part in _paragraphs(record.get(name))]
    notes = [(NOTES, note) for notes_ in (record.get("notes") or {}).values() for note in notes_]
    for candidates in (places, notes):
        pairs = match_pairs([t for _, t in truth_items], [c for _, c in candidates])
        for i, j in pairs:
            page.landing[truth_items[i][0]][candidates[j][0]] += 1
        used = {i for i, _ in pairs}
        truth_items = [item for i, item in enumerate(truth_items) if i not in used]
    for section, _ in truth_items:
        page.landing[section][NOWHERE] += 1


def _paragraphs(text: str | None) -> list[str]:
    return [part for part in (text or "").split("\n\n") if part.strip()]
