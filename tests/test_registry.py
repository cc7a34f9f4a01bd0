"""The page-type registry (ingest.models.PAGE_TYPES): one place for what a page type is, and the build follows it."""

from __future__ import annotations

import importlib

import pytest

from ingest import EXTRACTOR_VERSIONS
from ingest.assembly.quality import quality_report
from ingest.extract.entity import code_entity
from ingest.extract.ids import page_key, record_id, term_slug
from ingest.extract.refs import code_references
from ingest.models import BY_DATASET, DATASETS, PAGE_TYPES
from ingest.page.acquire import discover_pages
from ingest.page.parallel import extract_pages
from ingest.settings import BuildSettings
from tests.conftest import RAW_SAMPLE


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_each_page_type_names_a_real_dataset_model_extractor_and_fields(name):
    spec = PAGE_TYPES[name]
    assert spec.model.model_fields["page_type"].default == name
    assert DATASETS[spec.dataset] is spec.model and BY_DATASET[spec.dataset] is spec
    assert importlib.import_module(spec.extractor)
    assert name in EXTRACTOR_VERSIONS  # the cache invalidates its records by this key
    rule = spec.code_refs
    for field in (rule.code_list, rule.modifier_list, *rule.text_fields, *(("code", "code_system") if rule.own_code else ())):
        if field:
            assert field in spec.model.model_fields, (name, field)


@pytest.fixture(scope="module")
def sample_records():
    results = extract_pages(list(discover_pages(RAW_SAMPLE)), BuildSettings(workers=0))
    return [(r.page_type, r.dataset, r.record, r.code_refs) for r in results if r.record is not None]


def test_records_follow_their_page_type_rules(sample_records):
    seen = set()
    for page_type, dataset, record, refs in sample_records:
        spec = PAGE_TYPES[page_type]
        seen.add(page_type)
        assert dataset == spec.dataset and record["page_type"] == page_type
        source = record["sources"][0]
        key = page_key(None, source["uri"], source["path"])  # the sample pages have no scrape manifest
        assert record["id"] == record_id(page_type, key, record)
        assert record["id"].startswith(f"{page_type}:")
        if spec.id_rule == "page_term":
            assert record["id"].endswith(":" + term_slug(record["term"]))
        if record.get("code"):
            assert record["entity"] == code_entity(record.get("code_system"), record["code"])
        else:
            assert record["entity"].startswith("name:") and len(record["entity"]) > len("name:")
        assert refs == code_references(page_type, record)
        assert {ref["field"] for ref in refs} <= {"code", spec.code_refs.code_list, spec.code_refs.modifier_list,
                                                 *spec.code_refs.text_fields}
    assert seen == set(PAGE_TYPES)  # the sample has every page type: the checks above covered each


def test_quality_report_has_one_entry_per_registered_page_type():
    assert list(quality_report({}, [])["page_types"]) == list(PAGE_TYPES)
