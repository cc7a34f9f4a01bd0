"""Golden test: every sample page in raw/ against its expected record in tests/golden/."""

from __future__ import annotations

import json

import pytest

from ingest.page.acquire import discover_pages
from ingest.assembly.assemble import assemble
from ingest.errors import QUARANTINE_REASONS
from ingest.page.parallel import extract_pages
from ingest.settings import BuildSettings
from tests.conftest import GOLDEN, RAW_SAMPLE
from tests.helpers import mismatches

GOLDEN_FILES = sorted((GOLDEN / "sample").rglob("*.json"))


@pytest.fixture(scope="module")
def sample_outcomes():
    results = extract_pages(list(discover_pages(RAW_SAMPLE)), BuildSettings(workers=0))
    assembly = assemble(results)
    by_path = {}
    for records in assembly.datasets.values():
        for record in records:
            for source in record.get("sources", []):
                by_path[source["path"]] = record
    for entry in assembly.quarantine:
        by_path[entry["path"]] = {**entry, "page_type": entry["page_type"] or "unsupported",
                                  "quarantine_reason": entry["reason"]}
    return by_path


def test_every_sample_page_has_a_golden():
    pages = {ref.rel_path for ref in discover_pages(RAW_SAMPLE)}
    goldens = {g.relative_to(GOLDEN).with_suffix("").as_posix() for g in GOLDEN_FILES}
    assert {p.rsplit(".", 1)[0] for p in pages} == goldens
    assert len([p for p in pages if p.endswith((".html", ".htm"))]) >= 10


@pytest.mark.parametrize("golden", GOLDEN_FILES, ids=lambda p: p.relative_to(GOLDEN).as_posix())
def test_sample_page_matches_golden(sample_outcomes, golden):
    expected = json.loads(golden.read_text("utf-8"))
    if expected.get("page_type") == "unsupported":  # graded by its reason: not internal_error, timeout, ...
        assert expected.get("quarantine_reason") in QUARANTINE_REASONS, f"{golden}: no quarantine_reason to grade"
    stem = golden.relative_to(GOLDEN).with_suffix("").as_posix()
    page = next(p for p in sample_outcomes if p.rsplit(".", 1)[0] == stem)
    problems = mismatches(expected, sample_outcomes[page])
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)
