"""Golden test: the seed exports against ../shared/seeds/expected.json."""

from __future__ import annotations

import json

import pytest

from ingest.page.acquire import discover_pages
from ingest.assembly.assemble import assemble
from ingest.page.parallel import extract_pages
from ingest.settings import BuildSettings
from tests.conftest import SEEDS
from tests.helpers import mismatches


@pytest.fixture(scope="module")
def seed_release(seeds_dir):
    results = extract_pages(list(discover_pages(seeds_dir)), BuildSettings(workers=0))
    assembly = assemble(results)
    by_path = {}
    for dataset, records in assembly.datasets.items():
        for record in records:
            for source in record.get("sources", []):
                by_path[source["path"]] = record
    for entry in assembly.quarantine:
        by_path[entry["path"]] = {"page_type": entry["page_type"], "quarantine_reason": entry["reason"], **entry}
    expected = json.loads((seeds_dir / "expected.json").read_text("utf-8"))
    return by_path, expected


def _expected_seeds() -> list[str]:
    """Every seed named in ../shared/seeds/expected.json (read at collection: a new seed is graded too)."""
    path = SEEDS / "expected.json"
    if not path.exists():
        return ["<no shared seeds>"]  # the seeds_dir fixture skips, with the reason
    return sorted(k for k in json.loads(path.read_text("utf-8")) if not k.startswith("_"))


@pytest.mark.parametrize("name", _expected_seeds())
def test_seed_matches_expected(seed_release, name):
    by_path, expected = seed_release
    want = expected[name]
    assert name in by_path, f"{name}: graded in expected.json but not among the seed pages"
    got = by_path[name]
    problems = mismatches(want, got)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_every_seed_page_has_an_expectation(seed_release, seeds_dir):
    _, expected = seed_release
    pages = {ref.rel_path for ref in discover_pages(seeds_dir)}
    assert pages <= set(expected), f"seed pages without an expectation: {sorted(pages - set(expected))}"


def test_every_seed_accounted_for_once(seed_release, seeds_dir):
    by_path, _ = seed_release
    pages = {ref.rel_path for ref in discover_pages(seeds_dir)}
    assert pages == set(by_path)
