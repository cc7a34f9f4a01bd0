"""Golden test: the seed exports against ../shared/seeds/expected.json."""

from __future__ import annotations

import json

import pytest

from ingest.page.acquire import discover_pages
from ingest.build.assemble import assemble
from ingest.page.parallel import extract_pages
from ingest.settings import BuildSettings
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


@pytest.mark.parametrize("name", ["000_6741a82040ef9d80.txt", "002_3e1f5868dc691438.txt", "003_a59f6d7c92cd111f.txt",
                                  "001_aed3dfa302fd1202.txt", "004_b4e80ab22b164bc6.txt"])
def test_seed_matches_expected(seed_release, name):
    by_path, expected = seed_release
    want = expected[name]
    got = by_path[name]
    problems = mismatches(want, got)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_every_seed_accounted_for_once(seed_release, seeds_dir):
    by_path, _ = seed_release
    pages = {ref.rel_path for ref in discover_pages(seeds_dir)}
    assert pages == set(by_path)
