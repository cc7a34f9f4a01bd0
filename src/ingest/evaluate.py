"""Extraction quality against hand-made truth: the yardstick for real pages.

Every page goes through `ingest.page.process.process_page`, the per-page stage `ingest build`
runs, so what is scored is what a release would hold for that page. Scores (like
trafilatura's evaluation): page-type precision and recall; item-level precision, recall
and F1 per labelled list section (items matched one to one by normalized text
similarity); token F1 of summary, duration and setting; title exact match. Per site and
overall, plus the worst pages with what went wrong.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import orjson

from ingest.page.acquire import discover_pages
from ingest.page.process import process_page
from ingest.settings import BuildSettings

LIST_SECTIONS = ("indications", "preparation", "procedure_steps", "personnel", "risks", "benefits",
                 "recovery", "alternatives")
TEXT_FIELDS = ("summary", "duration", "setting")
# Two items are the same item when their normalized texts are at least this similar.
ITEM_MATCH = 0.8
# Metrics a floors file may pin (all "higher is better").
GATED = ("page_precision", "page_recall", "item_f1_macro", "item_f1_micro", "summary_f1", "title_exact")

_PUNCT = re.compile(r"[^\w\s]", re.U)
_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFKC, case-folded, punctuation dropped, whitespace collapsed: the form items are compared in."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _WS.sub(" ", _PUNCT.sub(" ", text)).strip()


def similarity(a: str, b: str) -> float:
    """Similarity of two normalized texts in [0, 1] (difflib ratio)."""
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < ITEM_MATCH or matcher.quick_ratio() < ITEM_MATCH:
        return 0.0
    return matcher.ratio()


def match_items(truth: list[str], predicted: list[str]) -> tuple[int, list[str], list[str]]:
    """One-to-one matching, most similar pairs first: (matched, missed truth items, extra predicted items)."""
    norm_t = [normalize_text(t) for t in truth]
    norm_p = [normalize_text(p) for p in predicted]
    pairs = sorted(((similarity(a, b), i, j) for i, a in enumerate(norm_t) for j, b in enumerate(norm_p)),
                   reverse=True)
    used_t: set[int] = set()
    used_p: set[int] = set()
    for score, i, j in pairs:
        if score < ITEM_MATCH:
            break
        if i not in used_t and j not in used_p:
            used_t.add(i)
            used_p.add(j)
    missed = [truth[i] for i in range(len(truth)) if i not in used_t]
    extra = [predicted[j] for j in range(len(predicted)) if j not in used_p]
    return len(used_t), missed, extra


def prf(matched: int, n_truth: int, n_pred: int) -> tuple[float, float, float]:
    """Precision, recall and F1; an empty side counts as perfect only when both are empty."""
    if n_truth == 0 and n_pred == 0:
        return 1.0, 1.0, 1.0
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_truth if n_truth else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def token_f1(truth: str, predicted: str | None) -> float:
    """Bag-of-words F1 of two texts."""
    t, p = Counter(normalize_text(truth).split()), Counter(normalize_text(predicted or "").split())
    common = sum((t & p).values())
    return prf(common, sum(t.values()), sum(p.values()))[2]


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
        if self.title_truth and normalize_text(self.title_truth) != normalize_text(self.title_pred or ""):
            out.append(f"title {self.title_pred!r}, expected {self.title_truth!r}")
        for s in self.sections:
            if s.f1 < 1.0:
                line = f"{s.field}: F1 {s.f1:.2f} ({s.matched}/{s.n_truth} found, {s.n_pred} predicted)"
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
    page = PageScore(name=name, site=truth.get("site") or name.split("__")[0], is_procedure=bool(truth["is_procedure"]),
                     predicted_procedure=predicted, outcome=outcome, detail=detail, title_truth=truth.get("title"),
                     title_pred=(record or {}).get("title"))
    if not page.is_procedure:
        return page
    rec = record if predicted else {}
    labelled = truth.get("sections") or {}
    for name_ in LIST_SECTIONS:
        items = labelled.get(name_)
        pred = list(rec.get(name_) or [])
        if items:
            matched, missed, extra = match_items(items, pred)
            page.sections.append(SectionScore(name_, len(items), len(pred), matched, missed, extra))
        elif pred:
            page.spurious.append(name_)
    for name_, text in (truth.get("texts") or {}).items():
        if name_ in TEXT_FIELDS and text:
            page.texts[name_] = token_f1(text, rec.get(name_))
    return page


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
    """Precision/recall of the page type, macro and micro item F1, text F1s, over `pages`."""
    tp = sum(p.is_procedure and p.predicted_procedure for p in pages)
    fp = sum(not p.is_procedure and p.predicted_procedure for p in pages)
    fn = sum(p.is_procedure and not p.predicted_procedure for p in pages)
    sections = [s for p in pages for s in p.sections]
    matched = sum(s.matched for s in sections)
    n_truth = sum(s.n_truth for s in sections)
    n_pred = sum(s.n_pred for s in sections)
    mp, mr, mf = prf(matched, n_truth, n_pred) if sections else (None, None, None)
    positives = [p for p in pages if p.is_procedure]
    titles = [normalize_text(p.title_truth or "") == normalize_text(p.title_pred or "") for p in positives]
    return Metrics(
        pages=len(pages), procedures=len(positives),
        page_precision=tp / (tp + fp) if tp + fp else 1.0,
        page_recall=tp / (tp + fn) if tp + fn else 1.0,
        item_f1_macro=_mean([s.f1 for s in sections]),
        item_f1_micro=mf, item_precision_micro=mp, item_recall_micro=mr,
        summary_f1=_mean([p.texts["summary"] for p in positives if "summary" in p.texts]),
        duration_f1=_mean([p.texts["duration"] for p in positives if "duration" in p.texts]),
        setting_f1=_mean([p.texts["setting"] for p in positives if "setting" in p.texts]),
        title_exact=_mean([float(t) for t in titles]),
        labelled_sections=len(sections), spurious_sections=sum(len(p.spurious) for p in pages),
    )


@dataclass
class EvalReport:
    overall: Metrics
    per_site: dict[str, Metrics]
    pages: list[PageScore]
    unlabelled: list[str]  # pages under --raw with no truth entry (not scored)
    missing: list[str]  # truth entries with no page under --raw (scored as quarantined)

    def worst(self, n: int = 10) -> list[PageScore]:
        """The n lowest-scoring pages that have something wrong, worst first."""
        bad = [p for p in self.pages if p.problems()]
        return sorted(bad, key=lambda p: (p.score, p.name))[:n]

    def as_dict(self, worst: int = 10) -> dict:
        return {
            "overall": self.overall.as_dict(),
            "per_site": {site: m.as_dict() for site, m in sorted(self.per_site.items())},
            "worst": [{"page": p.name, "score": round(p.score, 4), "problems": p.problems()} for p in self.worst(worst)],
            "pages": [{"page": p.name, "site": p.site, "is_procedure": p.is_procedure,
                       "predicted_procedure": p.predicted_procedure, "outcome": p.outcome, "detail": p.detail,
                       "score": round(p.score, 4),
                       "sections": {s.field: {"f1": round(s.f1, 4), "truth": s.n_truth, "predicted": s.n_pred,
                                              "matched": s.matched, "missed": s.missed, "extra": s.extra}
                                    for s in p.sections},
                       "spurious": p.spurious, "texts": {k: round(v, 4) for k, v in p.texts.items()}}
                      for p in self.pages],
            "unlabelled": self.unlabelled,
            "missing": self.missing,
        }


def load_truth(path: Path) -> dict[str, dict]:
    """truth.json: page file name -> its hand-made truth (see the corpus's SOURCES.md)."""
    data = orjson.loads(Path(path).read_bytes())
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "is_procedure" in v for v in data.values()):
        raise ValueError(f"{path}: expected an object of page name -> {{is_procedure, title, sections, texts}}")
    return data


def evaluate(raw_dir: Path, truth: dict[str, dict], settings: BuildSettings | None = None) -> EvalReport:
    """Run every page under raw_dir through the build's per-page stage and score it against truth."""
    settings = settings or BuildSettings(workers=0)
    refs = {ref.rel_path: ref for ref in discover_pages(Path(raw_dir))}
    by_name: dict[str, str] = {}
    for rel in refs:
        by_name.setdefault(rel.rsplit("/", 1)[-1], rel)
    scores: list[PageScore] = []
    missing: list[str] = []
    seen: set[str] = set()
    for name in sorted(truth):
        rel = name if name in refs else by_name.get(name)
        if rel is None:
            missing.append(name)
            scores.append(score_page(name, truth[name], None, "quarantine:missing", "no such page under --raw"))
            continue
        seen.add(rel)
        result = process_page(refs[rel], settings)
        if result.record_json is not None:
            record = result.record
            outcome, detail = result.dataset, "; ".join(_evidence(record))
        else:
            record, outcome = None, f"quarantine:{result.quarantine['reason']}"
            detail = result.quarantine.get("detail") or ""
        scores.append(score_page(name, truth[name], record, outcome, detail))
    by_site: dict[str, list[PageScore]] = defaultdict(list)
    for page in scores:
        by_site[page.site].append(page)
    return EvalReport(overall=aggregate(scores), per_site={s: aggregate(p) for s, p in by_site.items()},
                      pages=scores, unlabelled=sorted(set(refs) - seen), missing=missing)


def _evidence(record: dict) -> list[str]:
    evidence = record.get("page_type_evidence")
    if isinstance(evidence, str):
        return [evidence]
    if isinstance(evidence, dict):
        return [f"{k}={v}" for k, v in evidence.items()]
    return [f"{len([f for f in LIST_SECTIONS if record.get(f)])} list sections"]


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
