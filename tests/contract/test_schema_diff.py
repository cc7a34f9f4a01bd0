"""The schema evolution engine on real schema pairs: pydantic models, before and after each kind of change."""

from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from ingest.release.contract import model_schemas
from ingest.models import ProcedureRecord
from ingest.release.schema_diff import diff_schemas, rules

from .conftest import model_with, model_without


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Part(_M):
    label: str | None = None
    items: list[str] = []


class V1(_M):
    id: str
    title: str
    code: str | None = None
    kind: Literal["a", "b"] = "a"
    size: int = Field(0, ge=0, le=100)
    name: str = Field("", max_length=50)
    risks: list[str] = []
    parts: list[Part] = []
    notes: dict[str, list[str]] = {}


def schemas(model: type[BaseModel]) -> dict:
    return {"things": model.model_json_schema()}


def changes(new_model: type[BaseModel], old_model: type[BaseModel] = V1) -> list[tuple[str, str, bool]]:
    return [(c.where, c.kind, c.breaking) for c in diff_schemas(schemas(old_model), schemas(new_model)).changes]


def test_identical_schemas_have_no_changes():
    class Same(V1):  # a subclass with nothing new: same schema apart from its title
        pass

    assert diff_schemas(schemas(V1), schemas(Same)).verdict == "identical"
    assert diff_schemas(model_schemas(), model_schemas()).verdict == "identical"


def test_optional_field_added_is_compatible():
    class New(V1):
        language: str | None = Field(None, description="Language of the page.")

    assert changes(New) == [("things.language", "field_added", False)]
    result = diff_schemas(schemas(V1), schemas(New))
    assert result.verdict == "compatible"
    assert result.changes[0].line() == "things.language: optional field added (string | null)"


def test_required_field_added_is_breaking():
    class New(V1):
        language: str

    assert changes(New) == [("things.language", "required_field_added", True)]


def test_field_removed_is_breaking_with_one_line():
    class New(_M):
        id: str
        title: str
        code: str | None = None
        kind: Literal["a", "b"] = "a"
        size: int = Field(0, ge=0, le=100)
        name: str = Field("", max_length=50)
        parts: list[Part] = []
        notes: dict[str, list[str]] = {}

    result = diff_schemas(schemas(V1), schemas(New))
    assert result.verdict == "breaking"
    assert [c.line() for c in result.breaking] == ["things.risks: field removed (was list[string])"]


def test_field_renamed_is_breaking_and_named():
    class New(_M):
        id: str
        title: str
        code: str | None = None
        kind: Literal["a", "b"] = "a"
        size: int = Field(0, ge=0, le=100)
        name: str = Field("", max_length=50)
        complications: list[str] = []  # was `risks`: the only removed/added pair of one shape
        parts: list[Part] = []
        notes: dict[str, list[str]] = {}

    assert changes(New) == [("things.risks", "field_renamed", True)]
    assert diff_schemas(schemas(V1), schemas(New)).changes[0].line() == \
        "things.risks: field removed (was list[string]); renamed to `complications`?"


@pytest.mark.parametrize("annotation, kind, line", [
    (int, "type_changed", "things.title: type changed: string -> integer"),
    (str | None, "type_widened", "things.title: type widened: string -> string | null"),
    (list[str], "type_changed", "things.title: type changed: string -> list[string]"),
])
def test_type_changes_are_breaking(annotation, kind, line):
    New = model_with(V1, title=(annotation, ...))
    result = diff_schemas(schemas(V1), schemas(New))
    assert [(c.kind, c.breaking, c.line()) for c in result.changes] == [(kind, True, line)]


def test_type_narrowed_from_nullable():
    New = model_with(V1, code=(str, ""))
    assert changes(New) == [("things.code", "type_narrowed", True)]


def test_optional_made_required_is_breaking_and_the_reverse_compatible():
    assert changes(model_with(V1, code=(str | None, ...))) == [("things.code", "now_required", True)]
    assert changes(model_with(V1, title=(str, "untitled"))) == [("things.title", "now_optional", False)]


def test_enum_value_added_is_compatible_and_narrowed_breaking():
    result = diff_schemas(schemas(V1), schemas(model_with(V1, kind=(Literal["a", "b", "c"], "a"))))
    assert [(c.kind, c.breaking, c.line()) for c in result.changes] == [
        ("enum_added", False, 'things.kind: enum value(s) added: "c"')]
    result = diff_schemas(schemas(V1), schemas(model_with(V1, kind=(Literal["a"], "a"))))
    assert [(c.kind, c.breaking) for c in result.changes] == [("enum_narrowed", True)]
    assert result.changes[0].line() == 'things.kind: enum value(s) removed: "b"'


def test_constraints_loosened_compatible_tightened_breaking():
    loose = model_with(V1, size=(int, Field(0, ge=0, le=1000)), name=(str, Field("")))
    assert changes(loose) == [("things.size", "constraint_loosened", False),
                              ("things.name", "constraint_loosened", False)]
    assert diff_schemas(schemas(V1), schemas(loose)).verdict == "compatible"
    tight = model_with(V1, size=(int, Field(0, ge=1, le=100)), name=(str, Field("", max_length=20, pattern="^x")))
    result = diff_schemas(schemas(V1), schemas(tight))
    assert [(c.where, c.kind, c.breaking) for c in result.changes] == [
        ("things.size", "constraint_tightened", True), ("things.name", "constraint_tightened", True),
        ("things.name", "constraint_tightened", True)]
    assert "things.size: constraint tightened: minimum=0 -> minimum=1" in [c.line() for c in result.changes]


def test_changes_inside_nested_models_lists_and_dicts_name_the_path():
    class Part2(_M):
        label: int | None = None  # was str | None
        items: list[str] = []

    New = model_with(V1, parts=(list[Part2], []), notes=(dict[str, list[int]], {}))
    assert changes(New) == [("things.parts[].label", "type_changed", True),
                            ("things.notes{}[]", "type_changed", True)]


def test_dataset_added_or_removed():
    old, new = {"a": V1.model_json_schema()}, {"b": V1.model_json_schema()}
    assert [(c.where, c.kind, c.breaking) for c in diff_schemas(old, new).changes] == [
        ("a", "dataset_removed", True), ("b", "dataset_added", False)]


def test_descriptions_titles_and_defaults_do_not_count():
    New = model_with(V1, code=(str | None, Field("x", description="changed words", title="Another")))
    assert changes(New) == []


def test_the_fields_added_since_release_1_0_are_a_compatible_change():
    """language, section_sources, page_type_evidence, headings_unmatched, previous_versions: no user action."""
    added = ("language", "section_sources", "page_type_evidence", "headings_unmatched", "previous_versions")
    Old = model_without(ProcedureRecord, *added)
    result = diff_schemas({"procedures": Old.model_json_schema()}, {"procedures": ProcedureRecord.model_json_schema()})
    assert result.verdict == "compatible"
    assert sorted(c.line() for c in result.changes) == [
        "procedures.headings_unmatched: optional field added (list[string])",
        "procedures.language: optional field added (string | null)",
        "procedures.page_type_evidence: optional field added (dict[string, number] | null)",
        "procedures.previous_versions: optional field added (integer)",
        "procedures.section_sources: optional field added (dict[string, string])"]


def test_every_kind_has_a_rule():
    assert all(set(rule) == {"breaking", "message"} for rule in rules().values())


@settings(max_examples=40, deadline=None)
@given(st.sets(st.sampled_from(sorted(set(ProcedureRecord.model_fields) - {"id"})), min_size=1, max_size=5))
def test_every_removed_procedure_field_gets_a_breaking_line(dropped):
    New = model_without(ProcedureRecord, *dropped)
    result = diff_schemas({"procedures": ProcedureRecord.model_json_schema()},
                          {"procedures": New.model_json_schema()})
    assert result.verdict == "breaking"
    assert {c.field for c in result.breaking} == set(dropped)
    assert all(c.kind == "field_removed" for c in result.changes)
