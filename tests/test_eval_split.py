"""`ingest eval` over several corpora: where truth items land, the page-type confusion, the fixed site
split (its rule, its tool, its coverage of the corpora) and `--summary-only`, which names nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ingest.cli import app
from ingest.evaluate import (LIST_SECTIONS, Corpus, Split, assign_new_sites, format_split, match_items, read_split,
                             score_page)
from ingest.evaluate.metrics import field_confusion, page_type_confusion
from ingest.evaluate.scoring import TEXT_PLACES
from ingest.models import ProcedureRecord
from ingest.evaluate.split import CHECK_KEY_FROM, TUNE_SHARE, site_key
from tests.conftest import REPO, SHARED, need

SPLIT = REPO / "tests" / "corpus" / "split.toml"
TOOL = REPO / "tests" / "corpus" / "tools" / "split_sites.py"
CORPORA = [REPO / "tests" / "corpus" / "procedures", SHARED / "corpus" / "procedures"]
runner = CliRunner()

TRUTH = {"is_procedure": True, "title": "Knee Ablation", "site": "s",
         "sections": {"risks": ["Bleeding at the site", "Infection of the wound", "Numbness of the skin",
                                "Allergic reaction to dye"],
                      "recovery": ["Rest for two days", "Keep the dressing dry"]},
         "texts": {"summary": "It numbs the knee."}}


def test_truth_items_land_in_their_field_another_field_notes_or_nowhere():
    record = {"title": "Knee ablation", "summary": "It numbs the knee.\n\nAllergic reaction to dye",
              "risks": ["Bleeding at the site", "Rest for two days"],
              "recovery": ["Infection of the wound"],
              "notes": {"risks": ["Numbness of the skin."]}}
    page = score_page("s__a.html", TRUTH, record, "procedures", "")
    assert page.landing == {"risks": Counter({"risks": 1, "recovery": 1, "notes": 1, "summary": 1}),
                            "recovery": Counter({"risks": 1, "nowhere": 1})}
    assert [s.matched for s in page.sections] == [1, 0]
    assert any("missed items in notes 1, recovery 1, summary 1" in line for line in page.problems())
    missed = score_page("s__a.html", TRUTH, None, "quarantine:unsupported_page_type", "")
    assert missed.landing == {"risks": Counter({"no_record": 4}), "recovery": Counter({"no_record": 2})}
    table = field_confusion([page, missed])
    assert table["risks"] == {"risks": 1, "recovery": 1, "summary": 1, "notes": 1, "no_record": 4}
    assert list(table) == ["risks", "recovery"]  # field order, not insertion order


texts = st.lists(st.sampled_from(["bleeding", "infection risk", "rest two days", "stop aspirin", "ice the knee",
                                  "walk daily", "x"]), max_size=5)


@given(st.fixed_dictionaries({f: texts for f in ("risks", "recovery", "benefits")}),
       st.fixed_dictionaries({f: texts for f in ("risks", "recovery", "indications")}), texts)
def test_every_truth_item_lands_exactly_once(truth_sections, predicted, notes):
    truth = {"is_procedure": True, "title": "t", "site": "s", "sections": truth_sections, "texts": {}}
    record = {"title": "t", **predicted, "notes": {"risks": notes}}
    page = score_page("s__p.html", truth, record, "procedures", "")
    for s in page.sections:
        landed = page.landing[s.field]
        assert sum(landed.values()) == s.n_truth == len(truth_sections[s.field])
        assert landed[s.field] == s.matched == match_items(truth_sections[s.field], predicted.get(s.field, []))[0]
        assert "no_record" not in landed


def test_page_type_confusion_counts_outcomes_by_truth_class():
    negative = {"is_procedure": False, "title": "", "site": "s", "sections": {}, "texts": {}}
    pages = [score_page("s__a.html", TRUTH, {"title": "x"}, "procedures", ""),
             score_page("s__b.html", TRUTH, None, "quarantine:unsupported_page_type", ""),
             score_page("s__c.html", negative, {"title": "y"}, "procedures", ""),
             score_page("s__d.html", negative, {"title": "z"}, "terms", ""),
             score_page("s__e.html", negative, None, "quarantine:unsupported_page_type", ""),
             score_page("s__f.html", negative, None, "quarantine:empty", "")]
    assert page_type_confusion(pages) == {
        "procedure": {"procedures": 1, "quarantine:unsupported_page_type": 1},
        "negative": {"procedures": 1, "terms": 1, "quarantine:empty": 1, "quarantine:unsupported_page_type": 1}}


slugs = st.sets(st.text(alphabet="abcdefghijklmnop-", min_size=1, max_size=12), max_size=40)


@given(slugs, slugs)
def test_the_split_rule_adds_sites_without_moving_any_and_keeps_the_tune_share(first, second):
    before = assign_new_sites(Split(), first)
    assert before.listed == first and not before.problems()
    after = assign_new_sites(before, first | second)
    assert after.listed == first | second and not after.problems()
    assert set(before.tune) <= set(after.tune) and set(before.check) <= set(after.check)
    assert after.tune_share >= TUNE_SHARE or not after.listed
    assert assign_new_sites(after, first | second) == after  # nothing new: nothing changes
    assert Split(**tomllib.loads(format_split(after))) == after


def test_the_split_rule_sends_high_keys_to_check_while_the_share_allows():
    sites = {f"site-{i}" for i in range(50)}
    split = assign_new_sites(Split(), sites)
    assert all(site_key(s) >= CHECK_KEY_FROM for s in split.check)
    assert len(split.check) == min(sum(site_key(s) >= CHECK_KEY_FROM for s in sites), int(len(sites) * (1 - TUNE_SHARE)))


def test_the_split_rule_is_pinned():
    """The rule's result for a few slugs, computed once: a changed key or quota would move listed sites'
    siblings to other parts than the file's, so it must not change silently."""
    assert [round(site_key(s), 6) for s in ("a", "b", "site-0")] == [0.791374, 0.242735, 0.378462]
    assert assign_new_sites(Split(), {f"site-{i}" for i in range(10)}) == Split(
        tune=["site-0", "site-2", "site-3", "site-5", "site-7", "site-9"], check=["site-1", "site-4", "site-6", "site-8"])


def test_every_site_of_the_corpora_is_in_exactly_one_part():
    """The split file covers both corpora (new sites: run tests/corpus/tools/split_sites.py) and tune holds >= 60%."""
    need(CORPORA[1] / "truth.json")
    split = read_split(SPLIT)
    assert not split.problems()
    sites = set().union(*(Corpus.from_dir(c).sites for c in CORPORA))
    unlisted = sorted(sites - split.listed)
    assert not unlisted, f"sites in no part of {SPLIT.name} (run tests/corpus/tools/split_sites.py): {unlisted}"
    assert not set(split.tune) & set(split.check)
    assert len(split.tune) / len(split.listed) >= TUNE_SHARE
    assert split.check, "the check part is empty"


def _tiny_corpus(root: Path, site: str, n: int = 1) -> Path:
    pages = root / "pages"
    pages.mkdir(parents=True)
    truth = {}
    for i in range(n):
        name = f"{site}__page-{i}.html"
        (pages / name).write_text("<html><body><h1>Opening hours</h1><p>We are open daily.</p></body></html>")
        truth[name] = {"is_procedure": False, "title": "", "site": site, "sections": {}, "texts": {}}
    (root / "truth.json").write_text(json.dumps(truth))
    return root


def test_the_tool_adds_new_sites_and_moves_none(tmp_path):
    split_file = tmp_path / "split.toml"
    shutil.copy(SPLIT, split_file)
    before = read_split(split_file)
    corpora = [_tiny_corpus(tmp_path / f"c{i}", site) for i, site in enumerate(["zz-new-clinic", "aa-new-hospital"])]
    # a listed site keeps its part
    corpora.append(_tiny_corpus(tmp_path / "old", before.check[0]))
    args = [sys.executable, str(TOOL), "--split", str(split_file)] + [a for c in corpora for a in ("--corpus", str(c))]
    expected = assign_new_sites(before, before.listed | {"zz-new-clinic", "aa-new-hospital"})
    added_check = len(set(expected.check) - set(before.check))
    dry = subprocess.run(args + ["--dry-run"], capture_output=True, text=True, check=True)
    assert f"added {2 - added_check} to tune" in dry.stdout and f"and {added_check} to check" in dry.stdout
    assert read_split(split_file) == before
    subprocess.run(args, capture_output=True, text=True, check=True)
    after = read_split(split_file)
    assert after.listed == before.listed | {"zz-new-clinic", "aa-new-hospital"}
    assert set(before.tune) <= set(after.tune) and set(before.check) <= set(after.check)
    assert after == expected
    assert not after.problems()


def _leaks(text: str, corpora: list[Path]) -> list[str]:
    """Every page name, site, title, item and text (of two words or more) of the corpora's truth that occurs in text."""
    folded = text.casefold()
    names: set[str] = set()
    for corpus in corpora:
        for name, entry in json.loads((corpus / "truth.json").read_text()).items():
            names |= {name, name.removesuffix(".html"), entry["site"]}
            strings = [entry.get("title") or ""] + list((entry.get("texts") or {}).values())
            strings += [item for items in (entry.get("sections") or {}).values() for item in items]
            names |= {s for s in strings if len(s.split()) >= 2}
    return sorted(n for n in names if n.casefold() in folded)


def test_summary_only_names_no_page_site_title_or_item(tmp_path):
    need(CORPORA[1] / "truth.json")
    out = tmp_path / "check.json"
    args = ["eval", "--corpus", str(CORPORA[0]), "--corpus", str(CORPORA[1]), "--split", str(SPLIT),
            "--part", "check", "--summary-only", "--json", str(out), "--floors",
            str(REPO / "tests" / "corpus" / "floors" / "check.toml")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # the table of where each truth section's items landed is shown (its title: rich shortens column headers such as
    # 'nowhere' to fit the 150-column width once the part's sections fill more columns)
    assert "item F1 macro" in result.output and "title exact" in result.output
    assert "where the items of each truth section landed" in result.output
    assert _leaks(result.output, CORPORA) == []
    data = json.loads(out.read_text())
    assert data["part"] == "check" and data["overall"]["pages"] > 0
    assert set(data) == {"part", "overall", "sites", "sites_scored", "site_item_f1_macro", "field_f1",
                         "page_type_confusion", "field_confusion", "unlabelled", "missing"}
    assert _leaks(out.read_text(), CORPORA) == []
    # the same run without --summary-only names pages and sites (so the check above can fail)
    full = runner.invoke(app, args[:-5] + ["--json", str(out)])
    assert full.exit_code == 0 and _leaks(full.output, CORPORA) and "pages" in json.loads(out.read_text())


def test_parts_partition_the_pages_of_several_corpora(tmp_path):
    need(CORPORA[1] / "truth.json")
    counts = {}
    for part in ("tune", "check"):
        out = tmp_path / f"{part}.json"
        result = runner.invoke(app, ["eval", "--corpus", str(CORPORA[0]), "--corpus", str(CORPORA[1]),
                                     "--split", str(SPLIT), "--part", part, "--summary-only", "--json", str(out)])
        assert result.exit_code == 0, result.output
        counts[part] = json.loads(out.read_text())["overall"]["pages"]
    total = sum(len(json.loads((c / "truth.json").read_text())) for c in CORPORA)
    assert counts["tune"] + counts["check"] == total and min(counts.values()) > 0


def test_a_fresh_folder_is_scored_without_a_split_and_bad_flags_are_refused(tmp_path):
    fresh = _tiny_corpus(tmp_path / "fresh", "never-seen-clinic", n=2)
    result = runner.invoke(app, ["eval", "--corpus", str(fresh), "--summary-only"])
    assert result.exit_code == 0, result.output
    assert "never-seen" not in result.output and "negative" in result.output
    wrong = [(["--corpus", str(fresh), "--part", "tune"], "--split and --part go together"),
             (["--corpus", str(fresh), "--split", str(SPLIT), "--part", "tune"], "in no part of"),
             (["--corpus", str(fresh), "--split", str(SPLIT), "--part", "dev"], "unknown part"),
             (["--raw", str(fresh / "pages")], "--raw and --truth go together"),
             ([], "nothing to score"),
             (["--corpus", str(fresh), "--raw", str(fresh / "pages"), "--truth", str(fresh / "truth.json")],
              "labelled in two corpora")]
    for args, message in wrong:
        result = runner.invoke(app, ["eval", *args])
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_list_sections_are_the_fields_the_confusion_reads():
    fields = ProcedureRecord.model_fields
    assert all(fields[f].annotation == list[str] for f in LIST_SECTIONS)
    assert all(fields[f].annotation == (str | None) for f in TEXT_PLACES)
