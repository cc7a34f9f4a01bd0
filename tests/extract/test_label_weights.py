"""Issue 19, the label pass's weights as data: a field's score is the weighted sum of the heading's
evidence (extract/label.py FEATURES), the weights are read from the table data/labelling.toml names,
and tests/corpus/tools/fit_labelling.py fits them (numpy, deterministic) and rewrites only its own table.
Hand-written headings and examples only (no corpus text)."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest

from ingest.extract.label import FEATURES, HeadingLabeller, labelling_data
from ingest.extract.vocabulary import vocabulary
from tests.conftest import REPO

TOOL = REPO / "tests" / "corpus" / "tools" / "fit_labelling.py"
TOML = REPO / "src" / "ingest" / "data" / "labelling.toml"


def tool():
    spec = importlib.util.spec_from_file_location("fit_labelling", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def labeller() -> HeadingLabeller:
    return HeadingLabeller(vocabulary(), ["Bunion Surgery", "Bunion Surgery | Lakeside Foot Centre"])


def test_the_pass_reads_the_weights_the_data_file_names():
    data = labelling_data()
    assert labeller().weights is data[data["weights"]["use"]]
    for table in ("hand_weights", "fitted_weights"):
        assert set(data[table]) >= {*FEATURES, "threshold"}


def test_a_fields_score_is_the_weighted_sum_of_its_evidence():
    lab = labeller()
    heading = "After your bunion correction"  # a stage word only (no wording of the recovery field)
    body = "Rest the foot and go home the same day."
    assert lab.candidates(heading) == ["recovery"]
    assert lab.features(heading, "recovery") == (0.0, 0.0, 1.0, 0.0)
    assert lab.features(heading, "recovery", body) == (0.0, 0.0, 1.0, 1.0)
    w = lab.weights
    assert lab.scores(heading) == {"recovery": pytest.approx(w["temporal"])}
    assert lab.scores(heading, body) == {"recovery": pytest.approx(w["temporal"] + w["content_cue"])}
    # with other weights, the same evidence decides otherwise: the weights are data, not code
    lab.weights = {**w, "temporal": 0.0, "content_cue": 0.0}
    assert lab.match(heading, body=lambda: body) is None


def test_headings_that_name_nothing_have_no_candidates():
    assert labeller().candidates("Free parking and easy access at Lakeside") == []
    assert labeller().scores("Free parking and easy access at Lakeside") == {}


def _examples():
    """A feature 0 that always names the target; a feature 2 that alone never does."""
    fit = tool()
    named = (np.array([[1.0, 0.0, 0.0, 0.0]]), ["risks"], "risks")
    alone = (np.array([[0.0, 0.0, 1.0, 0.0]]), ["recovery"], None)
    both = (np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]), ["risks", "recovery"], "risks")
    return fit, [named] * 6 + [alone] * 6 + [both] * 2


def test_the_fit_learns_which_evidence_names_a_field_and_is_deterministic():
    fit, data = _examples()
    start = np.array([1.0, 1.0, 1.0, 1.0, 1.0])
    params = fit.fit(data, start)
    assert params[0] > params[-1] > params[2]  # feature 0 over the threshold, feature 2 under it
    assert np.array_equal(params, fit.fit(data, start))
    assert fit.accuracy(data, params) == 1.0
    assert fit.accuracy(data, start) < 1.0  # (ties and a stage word alone over the threshold at the start)


def test_the_tool_rewrites_only_its_own_table(tmp_path):
    fit, _ = _examples()
    path = tmp_path / "labelling.toml"
    shutil.copy(TOML, path)
    before = path.read_text("utf-8")
    fit.write(np.array([0.5, 1.25, 2.0, 0.75, 1.0]), path)
    after = path.read_text("utf-8")
    import tomllib
    data, old = tomllib.loads(after), tomllib.loads(before)
    assert data["fitted_weights"] == {"vocabulary": 0.5, "vocabulary_folded": 1.25, "temporal": 2.0,
                                      "content_cue": 0.75, "threshold": 1.0}
    assert {k: v for k, v in data.items() if k != "fitted_weights"} == {k: v for k, v in old.items() if k != "fitted_weights"}


def test_two_fields_tied_on_the_wording_go_to_the_one_holding_the_head_noun():
    heading = "Advantages of the keyhole technique"
    assert set(vocabulary().ties(heading)) == {"procedure_steps", "benefits"}  # "technique", "advantages": equal
    assert labeller().match(heading) == "benefits"  # the head noun ("advantages") decides, not the file's order
    assert labeller().match("The keyhole technique") == "procedure_steps"
    # two heads joined: no head noun over the other, the vocabulary's match stands
    assert labeller().match("Risks and benefits") == vocabulary().match("Risks and benefits")


PAGE = """<html><head><title>Bunion Surgery | Lakeside Foot Centre</title></head><body><main>
<h1>Bunion Surgery</h1>
<p>Bunion surgery straightens the big toe joint by realigning the bone under local anaesthetic.</p>
<h2>Advantages of the keyhole technique</h2>
<ul><li>Smaller scars on the foot</li><li>Walking in a special shoe the same day</li></ul>
<h2>How the correction is done</h2>
<ol><li>The foot is numbed</li><li>The bone is cut and realigned</li><li>Small screws hold it in place</li></ol>
</main></body></html>"""


def test_a_page_whose_heading_ties_two_wordings_keeps_its_list_in_the_head_nouns_field():
    from ingest.extract.classify import classify_and_extract
    from ingest.parse.html import parse_html
    record = classify_and_extract(parse_html(PAGE)).fields
    assert record["benefits"] == ["Smaller scars on the foot", "Walking in a special shoe the same day"]
    assert "Smaller scars on the foot" not in (record.get("procedure_steps") or [])


def test_the_following_leads_into_a_list_and_names_no_stage():
    from ingest.extract.label import stages
    assert stages("surgeons advise it for the following reasons") == frozenset()
    assert stages("following your bunion surgery") == frozenset({"recovery"})  # a stage word still
    assert labeller().weak_match("Surgeons advise it for the following reasons:") != "recovery"


def test_a_german_heading_naming_dangers_names_the_risks():
    assert vocabulary("de").match("Gefahren:") == "risks"
