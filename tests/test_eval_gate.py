"""`ingest eval`: the scoring itself, the command end to end, and the CI gate on pinned floors
(the shared corpus, and the tune and check parts of the site split of both corpora)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ingest.cli import app
from ingest.evaluate import (Corpus, EvalReport, below_floors, evaluate, evaluate_corpora, load_floors, load_truth,
                             match_items, normalize_text, prf, read_split, score_page, token_f1)
from tests.conftest import GOLDEN, REPO, SHARED, need

FLOORS = REPO / "tests" / "corpus" / "floors"
SHARED_PROCEDURES = SHARED / "corpus" / "procedures"
OWN_PROCEDURES = REPO / "tests" / "corpus" / "procedures"
SPLIT = REPO / "tests" / "corpus" / "split.toml"
runner = CliRunner()

items = st.lists(st.text(alphabet="abcdefghij klm", min_size=1, max_size=30), max_size=8)


@given(items, items)
def test_matching_is_one_to_one_and_accounts_for_every_item(truth, predicted):
    matched, missed, extra = match_items(truth, predicted)
    assert matched <= min(len(truth), len(predicted))
    assert matched + len(missed) == len(truth)
    assert matched + len(extra) == len(predicted)


@given(items)
def test_a_list_matches_itself_and_its_reordering(truth):
    assert match_items(truth, truth)[0] == len(truth)
    assert match_items(truth, list(reversed(truth)))[0] == len(truth)


def test_items_match_through_typography_but_not_across_content():
    truth = ["Stop aspirin 7 days before.", "Arrange a ride home"]
    assert match_items(truth, ["stop  ASPIRIN 7 days before", "arrange a ride home."]) == (2, [], [])
    assert match_items(truth, ["Bring your insurance card"]) == (0, truth, ["Bring your insurance card"])
    # a glued pair of items is neither of them
    assert match_items(truth, [" ".join(truth)])[0] == 0


def test_prf_and_token_f1():
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(1, 2, 1) == (1.0, 0.5, pytest.approx(2 / 3))
    assert token_f1("the knee is numbed", "The knee is numbed.") == 1.0
    assert token_f1("a b c d", None) == 0.0
    assert normalize_text("Ｓtep\u00a0ONE—now!") == "step one now"


def test_page_scores_say_what_went_wrong():
    truth = {"is_procedure": True, "title": "Knee Ablation", "site": "s",
             "sections": {"risks": ["Bleeding", "Infection"]}, "texts": {"summary": "It numbs the knee."}}
    missed = score_page("s__a.html", truth, None, "quarantine:unsupported_page_type", "0 sections")
    assert missed.score == 0.0 and missed.problems()[0].startswith("missed: quarantine:unsupported_page_type")
    record = {"title": "Knee ablation", "risks": ["Bleeding", "Infection and fever"], "summary": "It numbs the knee.",
              "recovery": ["Rest"]}
    page = score_page("s__a.html", truth, record, "procedures", "")
    assert [s.matched for s in page.sections] == [1] and page.spurious == ["recovery"]
    assert any(p.startswith("risks: F1 0.50") for p in page.problems())
    negative = score_page("s__b.html", {"is_procedure": False, "site": "s"}, record, "procedures", "")
    assert negative.score == 0.0 and negative.problems()[0].startswith("false positive")


def _golden_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """Two of our own sample pages with truth taken from their golden records."""
    pages = tmp_path / "pages"
    pages.mkdir()
    truth = {}
    for rel in ("clinic-example/vasectomy", "health-example/colonoscopy"):
        golden = json.loads((GOLDEN / "sample" / f"{rel}.json").read_text())
        name = "own__" + rel.split("/")[1] + ".html"
        shutil.copy(REPO / "raw" / "sample" / f"{rel}.html", pages / name)
        truth[name] = {"is_procedure": True, "title": golden["title"], "site": "own",
                       "sections": {k: golden[k] for k in ("indications", "preparation", "procedure_steps", "risks",
                                                           "benefits", "recovery", "alternatives") if golden.get(k)},
                       "texts": {k: golden[k] for k in ("summary", "duration", "setting") if golden.get(k)}}
    shutil.copy(REPO / "raw" / "sample" / "other" / "hospital-opening-news.html", pages / "own__news.html")
    truth["own__news.html"] = {"is_procedure": False, "title": "", "site": "own", "sections": {}, "texts": {}}
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth))
    return pages, path


def test_golden_records_score_perfectly(tmp_path):
    """Scoring a page against its own golden record gives 1.0 everywhere (the harness and the build agree)."""
    pages, truth = _golden_corpus(tmp_path)
    report = evaluate(pages, load_truth(truth))
    m = report.overall
    assert (m.page_precision, m.page_recall, m.item_f1_macro, m.summary_f1, m.title_exact) == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert m.labelled_sections >= 8 and not report.missing and not report.unlabelled


def test_command_gates_on_floors(tmp_path):
    pages, truth = _golden_corpus(tmp_path)
    (pages / "own__news.html").unlink()  # a labelled page that is missing counts as quarantined
    ok = tmp_path / "ok.toml"
    ok.write_text("page_precision = 1.0\nitem_f1_macro = 0.9\n")
    result = runner.invoke(app, ["eval", "--raw", str(pages), "--truth", str(truth), "--floors", str(ok),
                                 "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "every floor holds" in result.output and "1 labelled page(s) not found" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["missing"] == ["own__news.html"]
    high = tmp_path / "high.toml"
    high.write_text("page_recall = 1.0\n")
    (pages / "own__vasectomy.html").write_text("<html><body><p>nothing here</p></body></html>")
    result = runner.invoke(app, ["eval", "--raw", str(pages), "--truth", str(truth), "--floors", str(high)])
    assert result.exit_code == 1 and "page_recall 0.5000 is below its floor 1.0000" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("recal = 0.3\n")
    result = runner.invoke(app, ["eval", "--raw", str(pages), "--truth", str(truth), "--floors", str(bad)])
    assert result.exit_code == 2 and "unknown metric(s) recal" in result.output


@pytest.fixture(scope="module")
def both_corpora() -> EvalReport:
    """Both labelled corpora through the per-page stage, once for every gate below."""
    need(SHARED_PROCEDURES / "truth.json")
    return evaluate_corpora([Corpus.from_dir(SHARED_PROCEDURES), Corpus.from_dir(OWN_PROCEDURES)])


def _part_report(report: EvalReport, part: str) -> EvalReport:
    if part == "shared":
        names = set(load_truth(SHARED_PROCEDURES / "truth.json"))
        return EvalReport([p for p in report.pages if p.name in names])
    return report.restrict(read_split(SPLIT).sites(part))


@pytest.mark.parametrize("part,floors", [("shared", "shared-procedures.toml"), ("tune", "tune.toml"),
                                         ("check", "check.toml")])
def test_extraction_holds_its_floors_on_real_pages(both_corpora, part, floors):
    """The evaluation gate: real third-party pages, scored through the build's per-page path; the shared
    corpus whole, and each part of the site split. A failing `check` names no page (it is read as aggregates)."""
    assert not both_corpora.missing
    report = _part_report(both_corpora, part)
    assert report.pages
    failures = below_floors(report.overall, load_floors(need(FLOORS / floors)))
    if part == "check":
        assert not failures, "\n".join(failures)
    worst = "\n".join(f"{p.name}: {'; '.join(p.problems()[:3])}" for p in report.worst(8))
    assert not failures, "\n".join(failures) + "\nworst pages:\n" + worst
