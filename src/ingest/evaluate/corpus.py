"""Labelled corpora run through the build's per-page stage and scored as one set of pages keyed by site.

A corpus is a folder of pages (read like `ingest build --raw`) and a truth.json (page file name ->
hand-made truth: is_procedure, title, site, sections, texts; see the corpus's SOURCES.md). Several
corpora are scored together; a `sites` filter (a part of the split) scores only those sites' pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ingest.evaluate.metrics import (Metrics, aggregate, field_confusion, field_f1, page_type_confusion,
                                     site_f1_macro, worst_sites)
from ingest.evaluate.scoring import LIST_SECTIONS, PageScore, score_page, site_of
from ingest.page.acquire import discover_pages
from ingest.page.process import process_page
from ingest.settings import BuildSettings


@dataclass
class Corpus:
    """Labelled pages: the folder they are read from and their truth entries."""

    pages_dir: Path
    truth: dict[str, dict]

    @classmethod
    def from_dir(cls, root: Path) -> Corpus:
        """A corpus folder: `pages/` and `truth.json` inside it."""
        root = Path(root)
        if not (root / "pages").is_dir():
            raise ValueError(f"{root}: no pages/ folder (a corpus folder holds pages/ and truth.json)")
        return cls(root / "pages", load_truth(root / "truth.json"))

    @property
    def sites(self) -> set[str]:
        return {site_of(name, entry) for name, entry in self.truth.items()}


def load_truth(path: Path) -> dict[str, dict]:
    """truth.json: page file name -> its hand-made truth (see the corpus's SOURCES.md)."""
    data = orjson.loads(Path(path).read_bytes())
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "is_procedure" in v for v in data.values()):
        raise ValueError(f"{path}: expected an object of page name -> {{is_procedure, title, sections, texts}}")
    return data


@dataclass
class EvalReport:
    """Scored pages and every aggregate over them."""

    pages: list[PageScore]
    unlabelled: list[str] = field(default_factory=list)  # pages with no truth entry (not scored)
    missing: list[str] = field(default_factory=list)  # truth entries with no page (scored as quarantined)

    def __post_init__(self) -> None:
        by_site: dict[str, list[PageScore]] = defaultdict(list)
        for page in self.pages:
            by_site[page.site].append(page)
        self.overall: Metrics = aggregate(self.pages)
        self.per_site: dict[str, Metrics] = {site: aggregate(p) for site, p in sorted(by_site.items())}

    def restrict(self, sites: set[str]) -> EvalReport:
        """The report of these sites' pages only."""
        pages = [p for p in self.pages if p.site in sites]
        names = {p.name for p in pages}
        return EvalReport(pages, [n for n in self.unlabelled if _file_site(n) in sites],
                          [n for n in self.missing if n in names])

    def worst(self, n: int = 10) -> list[PageScore]:
        """The n lowest-scoring pages that have something wrong, worst first."""
        bad = [p for p in self.pages if p.problems()]
        return sorted(bad, key=lambda p: (p.score, p.name))[:n]

    def worst_sites(self, n: int = 5) -> list[tuple[str, Metrics]]:
        return worst_sites(self.per_site, n)

    def summary(self) -> dict:
        """The aggregates only: no page, site, title or heading is named."""
        return {
            "overall": self.overall.as_dict(),
            "sites": len(self.per_site),
            "sites_scored": sum(m.item_f1_macro is not None for m in self.per_site.values()),
            "site_item_f1_macro": site_f1_macro(self.per_site),
            "field_f1": field_f1(self.pages),
            "page_type_confusion": page_type_confusion(self.pages),
            "field_confusion": field_confusion(self.pages),
            "unlabelled": len(self.unlabelled),
            "missing": len(self.missing),
        }

    def as_dict(self, worst: int = 10, worst_sites: int = 5) -> dict:
        """Every aggregate, every site and every page."""
        return {
            **self.summary(),
            "per_site": {site: m.as_dict() for site, m in self.per_site.items()},
            "worst_sites": [site for site, _ in self.worst_sites(worst_sites)],
            "worst": [{"page": p.name, "score": round(p.score, 4), "problems": p.problems()} for p in self.worst(worst)],
            "pages": [_page_dict(p) for p in self.pages],
            "unlabelled": self.unlabelled,
            "missing": self.missing,
        }


def _page_dict(p: PageScore) -> dict:
    return {"page": p.name, "site": p.site, "is_procedure": p.is_procedure,
            "predicted_procedure": p.predicted_procedure, "outcome": p.outcome, "detail": p.detail,
            "score": round(p.score, 4), "title_exact": p.title_exact if p.is_procedure else None,
            "sections": {s.field: {"f1": round(s.f1, 4), "truth": s.n_truth, "predicted": s.n_pred,
                                   "matched": s.matched, "missed": s.missed, "extra": s.extra,
                                   "landed": dict(p.landing.get(s.field, {}))}
                         for s in p.sections},
            "spurious": p.spurious, "texts": {k: round(v, 4) for k, v in p.texts.items()}}


def evaluate(raw_dir: Path, truth: dict[str, dict], settings: BuildSettings | None = None) -> EvalReport:
    """Run every page under raw_dir through the build's per-page stage and score it against truth."""
    return evaluate_corpora([Corpus(Path(raw_dir), truth)], settings)


def evaluate_corpora(corpora: list[Corpus], settings: BuildSettings | None = None,
                     sites: set[str] | None = None) -> EvalReport:
    """Score several corpora as one set of pages (page names must not repeat across them); with `sites`,
    only the pages of those sites run and are scored."""
    settings = settings or BuildSettings(workers=0)
    scores: list[PageScore] = []
    unlabelled: list[str] = []
    missing: list[str] = []
    owner: dict[str, Path] = {}
    for corpus in corpora:
        for name in corpus.truth:
            if name in owner:
                raise ValueError(f"page {name} is labelled in two corpora ({owner[name]} and {corpus.pages_dir})")
            owner[name] = corpus.pages_dir
        s, u, m = _score_corpus(corpus, settings, sites)
        scores += s
        unlabelled += u
        missing += m
    return EvalReport(sorted(scores, key=lambda p: p.name), sorted(unlabelled), sorted(missing))


def _score_corpus(corpus: Corpus, settings: BuildSettings,
                  sites: set[str] | None) -> tuple[list[PageScore], list[str], list[str]]:
    refs = {ref.rel_path: ref for ref in discover_pages(corpus.pages_dir)}
    by_name: dict[str, str] = {}
    for rel in refs:
        by_name.setdefault(rel.rsplit("/", 1)[-1], rel)
    scores: list[PageScore] = []
    missing: list[str] = []
    seen: set[str] = set()
    for name in sorted(corpus.truth):
        entry = corpus.truth[name]
        rel = name if name in refs else by_name.get(name)
        if rel is not None:
            seen.add(rel)
        if sites is not None and site_of(name, entry) not in sites:
            continue
        if rel is None:
            missing.append(name)
            scores.append(score_page(name, entry, None, "quarantine:missing", "no such page under the corpus"))
            continue
        result = process_page(refs[rel], settings)
        if result.record_json is not None:
            record = result.record
            outcome, detail = result.dataset, "; ".join(_evidence(record))
        else:
            record, outcome = None, f"quarantine:{result.quarantine['reason']}"
            detail = result.quarantine.get("detail") or ""
        scores.append(score_page(name, entry, record, outcome, detail))
    unlabelled = [rel for rel in refs if rel not in seen and (sites is None or _file_site(rel) in sites)]
    return scores, sorted(unlabelled), missing


def _file_site(rel_path: str) -> str:
    """The site of a page with no truth entry: its file name's part before `__`."""
    return site_of(rel_path.rsplit("/", 1)[-1], {})


def _evidence(record: dict) -> list[str]:
    evidence = record.get("page_type_evidence")
    if isinstance(evidence, str):
        return [evidence]
    if isinstance(evidence, dict):
        return [f"{k}={v}" for k, v in evidence.items()]
    return [f"{len([f for f in LIST_SECTIONS if record.get(f)])} list sections"]
