"""Aggregates over a set of scored pages: the gated metrics, the page-type and field confusions,
the mean F1 per field, and per-site macro F1. Nothing here names a page or a heading."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest.evaluate.matching import prf
from ingest.evaluate.scoring import LIST_SECTIONS, NO_RECORD, NOTES, NOWHERE, TEXT_PLACES, PageScore

# Metrics a floors file may pin (all "higher is better").
GATED = ("page_precision", "page_recall", "item_f1_macro", "item_f1_micro", "summary_f1", "title_exact")
# Columns of the field confusion matrix, in the order they are shown.
LANDING_PLACES = (*LIST_SECTIONS, *(p for p in TEXT_PLACES if p not in LIST_SECTIONS), NOTES, NOWHERE, NO_RECORD)
TRUTH_CLASSES = ("procedure", "negative")


@dataclass
class Metrics:
    """Aggregate scores over a set of pages."""

    pages: int
    procedures: int
    page_precision: float
    page_recall: float
    item_f1_macro: float | None  # None: nothing of the kind to score in these pages
    item_f1_micro: float | None
    item_precision_micro: float | None
    item_recall_micro: float | None
    summary_f1: float | None
    duration_f1: float | None
    setting_f1: float | None
    title_exact: float | None
    labelled_sections: int
    spurious_sections: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def aggregate(pages: list[PageScore]) -> Metrics:
    """Precision/recall of the page type, macro and micro item F1, text F1s, title exact, over `pages`."""
    tp = sum(p.is_procedure and p.predicted_procedure for p in pages)
    fp = sum(not p.is_procedure and p.predicted_procedure for p in pages)
    fn = sum(p.is_procedure and not p.predicted_procedure for p in pages)
    sections = [s for p in pages for s in p.sections]
    matched = sum(s.matched for s in sections)
    n_truth = sum(s.n_truth for s in sections)
    n_pred = sum(s.n_pred for s in sections)
    mp, mr, mf = prf(matched, n_truth, n_pred) if sections else (None, None, None)
    positives = [p for p in pages if p.is_procedure]
    return Metrics(
        pages=len(pages), procedures=len(positives),
        page_precision=tp / (tp + fp) if tp + fp else 1.0,
        page_recall=tp / (tp + fn) if tp + fn else 1.0,
        item_f1_macro=_mean([s.f1 for s in sections]),
        item_f1_micro=mf, item_precision_micro=mp, item_recall_micro=mr,
        summary_f1=_mean([p.texts["summary"] for p in positives if "summary" in p.texts]),
        duration_f1=_mean([p.texts["duration"] for p in positives if "duration" in p.texts]),
        setting_f1=_mean([p.texts["setting"] for p in positives if "setting" in p.texts]),
        title_exact=_mean([float(p.title_exact) for p in positives]),
        labelled_sections=len(sections), spurious_sections=sum(len(p.spurious) for p in pages),
    )


def page_type_confusion(pages: list[PageScore]) -> dict[str, dict[str, int]]:
    """Truth class (procedure / negative) -> outcome (dataset, or quarantine:<reason>) -> pages."""
    table: dict[str, Counter] = {cls: Counter() for cls in TRUTH_CLASSES}
    for page in pages:
        table[TRUTH_CLASSES[0] if page.is_procedure else TRUTH_CLASSES[1]][page.outcome] += 1
    return {cls: dict(sorted(row.items(), key=_outcome_order)) for cls, row in table.items()}


def _outcome_order(item: tuple[str, int]) -> tuple[int, str]:
    outcome = item[0]
    return (0 if outcome == "procedures" else 2 if outcome.startswith("quarantine:") else 1, outcome)


def field_confusion(pages: list[PageScore]) -> dict[str, dict[str, int]]:
    """Truth section -> where its items landed (the same field, another field, notes, nowhere, no_record) -> items."""
    table: dict[str, Counter] = {}
    for page in pages:
        for section, places in page.landing.items():
            table.setdefault(section, Counter()).update(places)
    return {section: {place: table[section][place] for place in LANDING_PLACES if table[section][place]}
            for section in LIST_SECTIONS if section in table}


def field_f1(pages: list[PageScore]) -> dict[str, dict[str, float | int]]:
    """Truth section -> labelled sections and their mean item F1."""
    scores: dict[str, list[float]] = {}
    for page in pages:
        for s in page.sections:
            scores.setdefault(s.field, []).append(s.f1)
    return {name: {"sections": len(scores[name]), "f1_mean": sum(scores[name]) / len(scores[name])}
            for name in LIST_SECTIONS if name in scores}


def site_f1_macro(per_site: dict[str, Metrics]) -> float | None:
    """The mean over sites of each site's macro item F1 (sites with no labelled section left out)."""
    return _mean([m.item_f1_macro for m in per_site.values() if m.item_f1_macro is not None])


def worst_sites(per_site: dict[str, Metrics], n: int) -> list[tuple[str, Metrics]]:
    """The n sites with the lowest macro item F1 below 1, worst first (ties by name)."""
    scored = [(site, m) for site, m in per_site.items() if m.item_f1_macro is not None and m.item_f1_macro < 1.0]
    return sorted(scored, key=lambda sm: (sm[1].item_f1_macro, sm[0]))[:n]


def load_floors(path: Path) -> dict[str, float]:
    """A floors file: `metric = minimum` lines (TOML) for metrics in GATED."""
    floors = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    unknown = sorted(set(floors) - set(GATED))
    if unknown:
        raise ValueError(f"{path}: unknown metric(s) {', '.join(unknown)}; known: {', '.join(GATED)}")
    return {k: float(v) for k, v in floors.items()}


def below_floors(metrics: Metrics, floors: dict[str, float]) -> list[str]:
    """One line per metric under its floor (empty when every floor holds)."""
    values = metrics.as_dict()
    return [f"{name} {'n/a' if values[name] is None else format(values[name], '.4f')} is below its floor {floor:.4f}"
            for name, floor in sorted(floors.items()) if values[name] is None or values[name] + 1e-9 < floor]
