"""Issue 19, page identity by a small fitted model: a logistic regression over page features
(extract/page_features.py), its weights as data (data/page_identity.toml), fitted by
tests/corpus/tools/fit_page_identity.py (numpy, deterministic). Hand-written pages and a synthetic
feature table only (no corpus text)."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from dataclasses import replace
from importlib import resources

import numpy as np
import pytest

from ingest.extract import classify
from ingest.extract.page_features import FEATURE_NAMES, MODEL_FEATURES, PARTS
from ingest.extract.page_identity import IdentityModel, identity_model, model_from
from ingest.parse.html import parse_html
from tests.conftest import REPO

TOOL = REPO / "tests" / "corpus" / "tools" / "fit_page_identity.py"


def tool():
    spec = importlib.util.spec_from_file_location("fit_page_identity", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def weights_file() -> dict:
    return tomllib.loads(resources.files("ingest.data").joinpath("page_identity.toml").read_text("utf-8"))


def test_the_weights_file_names_exactly_the_features_the_code_computes():
    data = weights_file()
    assert list(data["fitted"]["weights"]) == list(MODEL_FEATURES)
    assert set(MODEL_FEATURES) <= set(FEATURE_NAMES) and set(PARTS) <= set(FEATURE_NAMES)
    assert data["use"] in ("hand", "fitted") and 0 < data["fitted"]["threshold"] < 1
    model = identity_model()
    assert model.in_force == (data["use"] == "fitted")


def test_a_renamed_or_missing_feature_fails_the_load():
    data = weights_file()
    renamed = {**data, "fitted": {**data["fitted"], "weights": {**data["fitted"]["weights"]}}}
    renamed["fitted"]["weights"]["prose_ratio"] = renamed["fitted"]["weights"].pop("prose_share")
    with pytest.raises(ValueError, match="prose_share"):
        model_from(renamed)
    missing = {**data, "fitted": {**data["fitted"], "weights": dict(list(data["fitted"]["weights"].items())[1:])}}
    with pytest.raises(ValueError, match="missing"):
        model_from(missing)


def _table(n: int = 120):
    """A synthetic, separable feature table: positives have a high first and low second feature."""
    rows, labels, sites = [], [], []
    for i in range(n):
        positive = i % 3 != 0
        a = (2.0 if positive else -1.0) + (i % 7) * 0.1
        b = (0.0 if positive else 1.0) + (i % 5) * 0.05
        rows.append([a, b, (i % 4) * 0.25])
        labels.append(1.0 if positive else 0.0)
        sites.append(f"site-{i % 15}")
    return np.array(rows), np.array(labels), sites


def test_the_fit_is_deterministic_and_separates_a_synthetic_table():
    fit = tool()
    x, y, sites = _table()
    w1, b1 = fit.fit(x, y, 1.0)
    w2, b2 = fit.fit(x, y, 1.0)
    assert np.array_equal(w1, w2) and b1 == b2
    assert w1[0] > 0 > w1[1]
    assert np.all((fit.probability(x, w1, b1) >= 0.5) == (y == 1))
    oof = fit.out_of_fold(x, y, sites, 1.0)
    assert np.array_equal(oof, fit.out_of_fold(x, y, sites, 1.0))
    assert fit.precision_recall(oof >= 0.5, y, int(y.sum())) == (1.0, 1.0)


def test_the_rendered_file_is_the_same_for_the_same_fit(tmp_path):
    fit = tool()
    x, y, _ = _table()
    w, b = fit.fit(np.hstack([x] * 3), y, 1.0)
    text = fit.render(w[:len(MODEL_FEATURES)], b, 0.8, "hand", ["header"])
    assert text == fit.render(w[:len(MODEL_FEATURES)], b, 0.8, "hand", ["header"])
    assert model_from(tomllib.loads(text)).threshold == 0.8


def test_folds_keep_a_site_together():
    fit = tool()
    assert fit.fold_of("lakeside-clinic") == fit.fold_of("lakeside-clinic")
    assert {fit.fold_of(f"site-{i}") for i in range(40)} == set(range(fit.FOLDS))


PAGE = """<html lang="en"><head><title>Bunion Correction | Lakeside Foot Centre</title></head><body><main>
<h1>Bunion Correction</h1>
<p>Bunion correction is a surgical procedure that straightens the big toe joint.</p>
<h2>Who needs it</h2><ul><li>People with constant toe pain</li><li>People whose shoes no longer fit</li></ul>
<h2>How it is done</h2><p>The surgeon cuts and realigns the bone under local anaesthetic.</p>
</main></body></html>"""


def _decide(monkeypatch, model: IdentityModel) -> str:
    monkeypatch.setattr(classify, "identity_model", lambda: model)
    return classify.classify_and_extract(parse_html(PAGE)).page_type


def test_the_decision_follows_the_model_in_force(monkeypatch):
    zero = dict.fromkeys(MODEL_FEATURES, 0.0)
    # in force, the model decides: a page it gives a low probability is rejected ...
    low = IdentityModel({**zero, "prose_share": -20.0}, 0.0, 0.5, True)
    assert _decide(monkeypatch, low) == "unsupported"
    # ... and the same page is accepted when the feature it relies on weighs the other way
    high = replace(low, weights={**zero, "prose_share": 20.0})
    assert _decide(monkeypatch, high) == "procedure"
    # not in force, the hand-set weights decide whatever the model says
    assert _decide(monkeypatch, replace(low, in_force=False)) == "procedure"


def test_a_structure_feature_changes_the_decision(monkeypatch):
    """With the fitted weights, a page just under the threshold crosses it when a structure feature it
    relies on (question headings) changes: the page's own markup, not its wording."""
    model = replace(identity_model(), in_force=True)
    monkeypatch.setattr(classify, "identity_model", lambda: model)
    from ingest.extract.page_features import page_features
    seen = []

    def probe(*args):
        f = page_features(*args)
        seen.append(f)
        return f

    monkeypatch.setattr(classify, "page_features", probe)
    classify.classify_and_extract(parse_html(PAGE))
    base = seen[-1]
    p = model.probability(base)
    q = model.probability({**base, "question_headings": 2.0})
    assert model.weights["question_headings"] > 0 and q > p
    # a threshold between the two: the page without question headings is rejected, with them accepted
    between = replace(model, threshold=p + (q - p) / 3)
    monkeypatch.setattr(classify, "identity_model", lambda: between)
    assert classify.classify_and_extract(parse_html(PAGE)).page_type == "unsupported"
    asked = PAGE.replace("Who needs it", "Who needs it?").replace("How it is done", "How is it done?")
    assert classify.classify_and_extract(parse_html(asked)).page_type == "procedure"
    changed = {n for n in base if seen[-1][n] != base[n]}
    assert changed <= {"question_headings", "prose_share"} and seen[-1]["question_headings"] == 2.0
    assert abs(seen[-1]["prose_share"] - base["prose_share"]) < 0.02  # (a '?' more in two headings)


def test_the_model_accepts_no_page_where_nothing_names_a_procedure(monkeypatch):
    """Structure alone (headings, prose) is what long pages of any kind show: where no title, summary,
    JSON-LD or heading names a procedure, the model accepts only what the hand weights accept."""
    page = """<html lang="en"><head><title>Our Summer Picnic</title></head><body><main>
<h1>Our Summer Picnic</h1><p>The whole team met in the park on a sunny Saturday afternoon.</p>
<h2>Who came along?</h2><p>Families, friends and a few neighbours joined us for the day.</p>
<h2>What did we eat?</h2><p>Sandwiches, fruit and a large lemon cake baked by the front desk.</p>
</main></body></html>"""
    zero = dict.fromkeys(MODEL_FEATURES, 0.0)
    eager = IdentityModel({**zero, "prose_share": 20.0, "question_headings": 5.0}, 0.0, 0.5, True)
    monkeypatch.setattr(classify, "identity_model", lambda: eager)
    verdict = classify.classify_and_extract(parse_html(page))
    assert verdict.page_type == "unsupported" and "model p 1.00" in verdict.evidence
    # the same model accepts a page that names one (the gate, not the probability, kept the picnic out)
    assert _decide(monkeypatch, eager) == "procedure"
