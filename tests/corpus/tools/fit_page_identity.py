"""Fit the page-identity model (data/page_identity.toml) on the tune part of the split, judged by
leave-sites-out cross-validation against the hand-set weights.

Every tune page that reaches the procedure decision with a title gives one example: its features
(extract/page_features.py) and its truth (is_procedure). The model is a logistic regression with an L2
penalty on the weights (not the intercept), fitted by Newton's method (numpy only; deterministic: a fixed
order of pages, a fixed number of steps, no randomness). Regularization and threshold are chosen by group
k-fold cross-validation over sites (a site's fold: the first byte of SHA-256 of its slug, mod k): the
threshold is the lowest whose out-of-fold page precision is at least PRECISION (or the hand weights' own
precision, when lower). As in extract/classify.py, the model accepts only a page where something names a
procedure (the `about` feature) or that the hand weights accept. The hand-set decision
(extract/classify.py hand_accepts) is scored on the same pages.

    .venv/bin/python tests/corpus/tools/fit_page_identity.py            # CV, fit on all tune, write the file
    .venv/bin/python tests/corpus/tools/fit_page_identity.py --dry-run  # print only

The file's `use` stays as it was ("hand" unless switched by hand): switch only when the fitted model
beats the hand weights on check's aggregates. Only tune is read; check is never opened. The pages that
never reach the decision (no title, taken as a term or billing page, failed before) are counted by kind.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.evaluate import Corpus, read_split, site_of
from ingest.extract import classify
from ingest.extract.evidence import weights
from ingest.extract.page_features import FEATURE_NAMES, MODEL_FEATURES, PARTS, page_features
from ingest.page.acquire import discover_pages
from ingest.page.process import process_page
from ingest.settings import BuildSettings

REPO = Path(__file__).resolve().parents[3]
SPLIT = REPO / "tests" / "corpus" / "split.toml"
TOML = REPO / "src" / "ingest" / "data" / "page_identity.toml"
FOLDS = 5
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)  # L2 penalty on the weights (sum of squares times this / 2)
PRECISION = 0.99  # the threshold is the lowest whose out-of-fold precision reaches this
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.30, 0.96, 0.05))
STEPS = 50  # Newton steps


@dataclass
class Example:
    name: str
    site: str
    truth: bool  # a procedure page
    kind: str  # scored | no_title | not_procedure_draft (term, billing, or failed before the decision)
    features: np.ndarray | None = None
    hand: bool = False  # the hand-set decision
    anchored: int = 0  # sections opened by a heading
    score: float = 0.0  # the hand-set evidence score


def default_corpora() -> list[Path]:
    shared = Path(os.environ.get("INGEST_SHARED", REPO.parent / "shared"))
    return [REPO / "tests" / "corpus" / "procedures", shared / "corpus" / "procedures"]


def examples(corpora: list[Corpus], sites: set[str]) -> list[Example]:
    """One example per page of these sites, in a fixed order (corpus, then page name)."""
    captured: list = []
    original = classify.classify_procedure

    def capture(draft, page=None):  # noqa: ANN001, ANN202 - the tool's probe
        captured.append((draft, page))
        return original(draft, page)

    classify.classify_procedure = capture
    out = []
    settings = BuildSettings(workers=0)
    try:
        for corpus in corpora:
            refs = {ref.rel_path.rsplit("/", 1)[-1]: ref for ref in discover_pages(corpus.pages_dir)}
            for name in sorted(corpus.truth):
                entry = corpus.truth[name]
                site = site_of(name, entry)
                if site not in sites or name not in refs:
                    continue
                captured.clear()
                process_page(refs[name], settings)
                out.append(_example(name, site, bool(entry.get("is_procedure")), captured))
    finally:
        classify.classify_procedure = original
    return out


def _example(name: str, site: str, truth: bool, captured: list) -> Example:
    if not captured or captured[-1][1] is None or captured[-1][0].lang is None:
        return Example(name, site, truth, "not_procedure_draft")
    draft, page = captured[-1]
    title = draft.fields.get("title")
    if not title:
        return Example(name, site, truth, "no_title")
    scored, is_covered = classify.procedure_score(draft, page)
    hand = classify.hand_accepts(draft, scored)
    f = page_features(page, title, draft.anchored, draft.lang, scored, weights(), is_covered, hand)
    return Example(name, site, truth, "scored", np.array([f[n] for n in FEATURE_NAMES]), hand, len(draft.anchored),
                   scored.score)


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Weights and intercept of an L2-penalized logistic regression (Newton's method, fixed steps)."""
    n, d = x.shape
    a = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[0] = 1e-6  # (the intercept is not pulled; a whisker keeps the Hessian invertible)
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ beta, -40, 40)))
        grad = a.T @ (y - p) - penalty * beta
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty)
        beta = beta + np.linalg.solve(hess, grad)
    return beta[1:], float(beta[0])


def probability(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -40, 40)))


def fold_of(site: str, k: int = FOLDS) -> int:
    return hashlib.sha256(site.encode("utf-8")).digest()[0] % k


def out_of_fold(x: np.ndarray, y: np.ndarray, sites: list[str], l2: float, k: int = FOLDS) -> np.ndarray:
    """Each page's probability from the model fitted on the other folds' sites."""
    folds = np.array([fold_of(s, k) for s in sites])
    p = np.zeros(len(y))
    for f in range(k):
        held = folds == f
        if held.any() and (~held).any():
            w, b = fit(x[~held], y[~held], l2)
            p[held] = probability(x[held], w, b)
    return p


def precision_recall(accepted: np.ndarray, y: np.ndarray, positives: int) -> tuple[float, float]:
    """Page precision over the accepted, recall over all `positives` (pages that never reached the
    decision count as missed)."""
    tp = int(np.sum(accepted & (y == 1)))
    n = int(np.sum(accepted))
    return (tp / n if n else 1.0), (tp / positives if positives else 1.0)


def choose_threshold(p: np.ndarray, y: np.ndarray, positives: int, floor: float,
                     allowed: np.ndarray) -> tuple[float, float, float] | None:
    """The lowest threshold whose precision reaches `floor`, or None; only `allowed` pages are accepted
    (the gate of extract/classify.py: something names a procedure, or the hand weights accept)."""
    for t in THRESHOLDS:
        prec, rec = precision_recall((p >= t) & allowed, y, positives)
        if prec >= floor:
            return t, prec, rec
    return None


def cross_validate(x: np.ndarray, y: np.ndarray, sites: list[str], positives: int, floor: float,
                   allowed: np.ndarray) -> tuple | None:
    """(L2, threshold, CV precision, CV recall) with the best recall at precision >= floor; ties go to the
    larger L2 (the simpler model)."""
    best = None
    for l2 in L2_GRID:
        chosen = choose_threshold(out_of_fold(x, y, sites, l2), y, positives, floor, allowed)
        shown = f"threshold {chosen[0]:.2f} P {chosen[1]:.3f} R {chosen[2]:.3f}" if chosen else "none reaches it"
        print(f"    L2 {l2:5}: {shown}")
        if chosen and (best is None or chosen[2] >= best[3]):
            best = (l2, *chosen)
    return best


def render(w: np.ndarray, b: float, threshold: float, use: str, header: list[str],
           names: tuple[str, ...] = MODEL_FEATURES) -> str:
    lines = [f"# {h}" if h else "#" for h in header]
    lines += ["", "# Which decides: \"hand\" (data/page_types.toml [procedure]) or \"fitted\" (below).", f'use = "{use}"', "",
              "[fitted]", f"intercept = {b:.4f}", f"threshold = {threshold:.2f}", "", "[fitted.weights]"]
    lines += [f"{name} = {value:.4f}" for name, value in zip(names, w, strict=True)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="a corpus folder (pages/ + truth.json); repeatable")
    parser.add_argument("--split", type=Path, default=SPLIT)
    parser.add_argument("--toml", type=Path, default=TOML, help="the weights file to write")
    parser.add_argument("--dry-run", action="store_true", help="fit and print, write nothing")
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help="the date the header names")
    args = parser.parse_args(argv)
    corpora = [Corpus.from_dir(f) for f in (args.corpus or default_corpora())]
    data = examples(corpora, read_split(args.split).sites("tune"))
    positives = sum(e.truth for e in data)
    kinds: dict[str, list[int]] = {}
    for e in data:
        kinds.setdefault(e.kind, [0, 0])[e.truth] += 1
    print(f"tune pages: {len(data)} ({positives} procedure pages)")
    for kind, (neg, pos) in sorted(kinds.items()):
        print(f"  {kind:20} procedure pages {pos:4}  negatives {neg:4}")
    scored = [e for e in data if e.kind == "scored"]
    x = np.array([e.features for e in scored])
    y = np.array([1.0 if e.truth else 0.0 for e in scored])
    sites = [e.site for e in scored]
    hand = np.array([e.hand for e in scored])
    hp, hr = precision_recall(hand, y, positives)
    missed_scored = [e for e in scored if e.truth and not e.hand]
    print(f"  scored procedure pages the hand weights reject: {len(missed_scored)} "
          f"({sum(1 for e in missed_scored if e.anchored == 0)} with no section opened by a heading)")
    print(f"hand weights: page P {hp:.3f} R {hr:.3f} (same pages; no fitting, so CV = tune)")
    floor = min(PRECISION, hp)  # (the hand weights' own precision, when it is lower)
    columns = {n: i for i, n in enumerate(FEATURE_NAMES)}
    allowed = (x[:, columns["about"]] == 1) | hand
    results = {}
    for label, names in (("evidence parts alone", PARTS), ("model features", MODEL_FEATURES)):
        print(f"  {label} ({len(names)}), CV at precision >= {floor:.3f}:")
        results[names] = cross_validate(x[:, [columns[n] for n in names]], y, sites, positives, floor, allowed)
    best = results[MODEL_FEATURES]
    if best is None:
        print("the model features reach no threshold at that precision: nothing written")
        return 1
    l2, t, prec, rec = best
    xm = x[:, [columns[n] for n in MODEL_FEATURES]]
    w, b = fit(xm, y, l2)
    fp, fr = precision_recall((probability(xm, w, b) >= t) & allowed, y, positives)
    print(f"chosen: L2 {l2}, threshold {t:.2f} (CV P {prec:.3f} R {rec:.3f}; fitted on all tune: P {fp:.3f} R {fr:.3f})")
    for name, value in zip(MODEL_FEATURES, w, strict=True):
        print(f"  {name:20} {value:+.3f}")
    print(f"  {'intercept':20} {b:+.3f}")
    parts = results[PARTS]
    parts_note = f"P {parts[2]:.3f} R {parts[3]:.3f} (L2 {parts[0]})" if parts else "no threshold reaches that precision"
    use = tomllib.loads(args.toml.read_text("utf-8"))["use"] if args.toml.exists() else "hand"
    header = ["The page-identity model (extract/page_identity.py): logistic regression over extract/page_features.py.",
              f"Fitted by tests/corpus/tools/fit_page_identity.py on {args.date}: split {args.split.name} part tune,",
              f"{len(scored)} pages that reach the decision with a title ({int(y.sum())} procedure pages) from {len(set(sites))} sites;",
              f"L2 {l2} on the weights (not the intercept), chosen with the threshold by {FOLDS}-fold leave-sites-out CV",
              f"(threshold: the lowest with CV page precision >= {floor:.3f}: {PRECISION}, or the hand weights' own when lower).",
              f"CV page P {prec:.3f} R {rec:.3f}; hand weights on the same pages P {hp:.3f} R {hr:.3f};",
              f"the evidence parts alone in place of the hand weights ({len(PARTS)} features): CV {parts_note}",
              f"(R over all {positives} tune procedure pages, those that never reach the decision counted as missed).",
              "The model accepts only a page where something names a procedure or that the hand weights accept",
              "(extract/classify.py; the CV above applies the same gate). Generated: re-run the script, do not edit."]
    if args.dry_run:
        return 0
    args.toml.write_text(render(w, b, t, use, header), "utf-8")
    print(f"wrote {args.toml}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
