"""Schema evolution: compare two releases' JSON Schemas field by field and judge the difference.

Pure (no I/O but reading schema files, no Prefect). `diff_schemas(old, new)` walks the
pydantic-generated JSON Schemas of every dataset ($ref, anyOf/null unions, arrays, nested
objects, dicts) and returns one `SchemaChange` per difference, each with a dotted field
path (`procedures.risk_groups[].label`, `codes.referenced_by{}`) and a kind. Whether a
kind breaks the contract, and its message, are data: `data/contract.toml`.
Titles, descriptions and defaults are documentation (every record carries every field),
so they never count.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ingest.release.layout import SCHEMAS

_LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")
_DOC_KEYS = frozenset({"title", "description", "default", "examples"})


@cache
def contract_data() -> dict[str, Any]:
    """data/contract.toml: the rules of each kind of change (`kinds`) and what each major changed (`majors`)."""
    return tomllib.loads(resources.files("ingest").joinpath("data/contract.toml").read_text("utf-8"))


def rules() -> dict[str, dict[str, Any]]:
    """{kind: {"breaking": bool, "message": str}} from data/contract.toml."""
    return contract_data()["kinds"]


@dataclass(frozen=True)
class SchemaChange:
    """One field-level difference between two schemas."""

    dataset: str
    field: str  # dotted path inside a record ("" for the dataset itself)
    kind: str  # a key of data/contract.toml
    old: str | None = None
    new: str | None = None
    name: str | None = None  # the new name of a renamed field

    @property
    def breaking(self) -> bool:
        return bool(rules()[self.kind]["breaking"])

    @property
    def where(self) -> str:
        return f"{self.dataset}.{self.field}" if self.field else self.dataset

    @property
    def message(self) -> str:
        return rules()[self.kind]["message"].format(old=self.old, new=self.new, name=self.name)

    def line(self) -> str:
        """`procedures.risks: field removed (was list[string])`."""
        return f"{self.where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "field": self.field, "kind": self.kind, "breaking": self.breaking,
                "old": self.old, "new": self.new, **({"name": self.name} if self.name else {}),
                "message": self.line()}


@dataclass
class SchemaDiff:
    """Every difference between two sets of dataset schemas, and the verdict."""

    changes: list[SchemaChange] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """identical, compatible (minor bump) or breaking (needs a major bump)."""
        if not self.changes:
            return "identical"
        return "breaking" if any(c.breaking for c in self.changes) else "compatible"

    @property
    def breaking(self) -> list[SchemaChange]:
        return [c for c in self.changes if c.breaking]

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "changes": [c.as_dict() for c in self.changes]}


def diff_schemas(old: dict[str, dict], new: dict[str, dict]) -> SchemaDiff:
    """Differences between two {dataset: JSON Schema} maps, sorted by dataset then field path."""
    changes: list[SchemaChange] = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            changes.append(SchemaChange(name, "", "dataset_removed"))
        elif name not in old:
            changes.append(SchemaChange(name, "", "dataset_added"))
        else:
            _Walk(name, old[name], new[name], changes).node(old[name], new[name], "")
    return SchemaDiff(changes)


def read_schemas(release_dir: Path) -> dict[str, dict]:
    """{dataset: JSON Schema} of a published release: every schemas/<dataset>.schema.json (a release
    holds the schema of every dataset the code defines, even one with no file of records)."""
    paths = sorted((Path(release_dir) / SCHEMAS).glob("*.schema.json"))
    return {p.name.removesuffix(".schema.json"): json.loads(p.read_text("utf-8")) for p in paths}


# --------------------------------------------------------------------------- the walk


class _Walk:
    """Compares two schema documents of one dataset (each resolves its own $refs)."""

    def __init__(self, dataset: str, old_doc: dict, new_doc: dict, out: list[SchemaChange]) -> None:
        self.dataset, self.old_doc, self.new_doc, self.out = dataset, old_doc, new_doc, out
        self._active: set[tuple[int, int]] = set()

    def add(self, path: str, kind: str, old: Any = None, new: Any = None, name: str | None = None) -> None:
        self.out.append(SchemaChange(self.dataset, path, kind, old, new, name))

    def node(self, old: dict, new: dict, path: str) -> None:
        key = (id(old), id(new))
        if key in self._active:  # a recursive model: this pair is already being compared
            return
        self._active.add(key)
        try:
            self._node(old, new, path)
        finally:
            self._active.discard(key)

    def _node(self, old: dict, new: dict, path: str) -> None:
        ov, nv = variants(old, self.old_doc), variants(new, self.new_doc)
        otypes, ntypes = {json_type(v) for v in ov}, {json_type(v) for v in nv}
        if otypes != ntypes and "any" not in ntypes:
            kind = "type_widened" if otypes < ntypes else "type_narrowed" if ntypes < otypes else "type_changed"
            self.add(path, kind, _label(ov, self.old_doc), _label(nv, self.new_doc))
        elif "any" in ntypes and "any" not in otypes:
            self.add(path, "constraint_loosened", _label(ov, self.old_doc), "any")
        by_kind = {json_type(v): v for v in nv}
        for o in ov:
            n = by_kind.get(json_type(o))
            if n is not None and json_type(o) != "null":
                self._same_type(o, n, path)

    def _same_type(self, old: dict, new: dict, path: str) -> None:
        self._enum(old, new, path)
        self._constraints(old, new, path)
        if json_type(old) == "array":
            self.node(_resolve(old.get("items") or {}, self.old_doc), _resolve(new.get("items") or {}, self.new_doc),
                      f"{path}[]")
        elif json_type(old) == "object":
            self._object(old, new, path)

    def _enum(self, old: dict, new: dict, path: str) -> None:
        ov, nv = _enum_values(old), _enum_values(new)
        if ov is None and nv is None:
            return
        if nv is None:
            self.add(path, "constraint_loosened", f"one of {_values(ov)}", "any value")
        elif ov is None:
            self.add(path, "constraint_tightened", "any value", f"one of {_values(nv)}")
        else:
            if added := [v for v in nv if v not in ov]:
                self.add(path, "enum_added", _values(ov), _values(added))
            if removed := [v for v in ov if v not in nv]:
                self.add(path, "enum_narrowed", _values(removed), _values(nv))

    def _constraints(self, old: dict, new: dict, path: str) -> None:
        for key in _LOWER_BOUNDS + _UPPER_BOUNDS + _EXACT + ("uniqueItems",):
            o, n = old.get(key), new.get(key)
            if o == n or (key == "uniqueItems" and not o and not n):
                continue
            if n is None or n is False:
                loosened = True
            elif o is None or o is False or key in _EXACT or key == "uniqueItems":
                loosened = False
            else:
                loosened = n < o if key in _LOWER_BOUNDS else n > o
            self.add(path, "constraint_loosened" if loosened else "constraint_tightened",
                     f"{key}={o}" if o is not None else f"no {key}", f"{key}={n}" if n is not None else f"no {key}")

    def _object(self, old: dict, new: dict, path: str) -> None:
        oprops, nprops = old.get("properties") or {}, new.get("properties") or {}
        oreq, nreq = set(old.get("required") or ()), set(new.get("required") or ())
        prefix = f"{path}." if path else ""
        added = [n for n in nprops if n not in oprops]
        removed = [n for n in oprops if n not in nprops]
        renamed: dict[str, str] = {}
        for gone in removed:  # a removed field with exactly one added twin of the same shape: a rename
            twins = [n for n in added if n not in renamed.values()
                     and _shape(oprops[gone], self.old_doc) == _shape(nprops[n], self.new_doc)]
            if len(twins) == 1:
                renamed[gone] = twins[0]
        for name in removed:
            old_label = _label(variants(oprops[name], self.old_doc), self.old_doc)
            if name in renamed:
                self.add(prefix + name, "field_renamed", old_label, name=renamed[name])
            else:
                self.add(prefix + name, "field_removed", old_label)
        for name in added:
            if name not in renamed.values():
                kind = "required_field_added" if name in nreq else "field_added"
                self.add(prefix + name, kind, new=_label(variants(nprops[name], self.new_doc), self.new_doc))
        for name, oschema in oprops.items():
            if name not in nprops:
                continue
            if name in nreq and name not in oreq:
                self.add(prefix + name, "now_required")
            elif name in oreq and name not in nreq:
                self.add(prefix + name, "now_optional")
            self.node(oschema, nprops[name], prefix + name)
        oextra, nextra = old.get("additionalProperties", True), new.get("additionalProperties", True)
        if oextra is False and nextra is not False:
            self.add(path, "object_opened")
        elif nextra is False and oextra is not False:
            self.add(path, "object_closed")
        elif isinstance(oextra, dict) and isinstance(nextra, dict):
            self.node(oextra, nextra, f"{path}{{}}")


# --------------------------------------------------------------------------- schema helpers


def _resolve(node: dict, doc: dict) -> dict:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 64:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, seen = {**target, **{k: v for k, v in node.items() if k != "$ref" and k not in _DOC_KEYS}}, seen + 1
    return node


def variants(node: dict, doc: dict) -> list[dict]:
    """The alternatives a value may take: anyOf/oneOf flattened, $refs resolved, `type: [..]` split."""
    node = _resolve(node, doc)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [v for member in node[key] for v in variants(member, doc)]
    if "allOf" in node and len(node["allOf"]) == 1:
        return variants({**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}}, doc)
    if isinstance(node.get("type"), list):
        return [{**node, "type": t} for t in node["type"]]
    return [node]


def json_type(variant: dict) -> str:
    """The JSON type of one alternative (an enum's from its values; "any" when unconstrained)."""
    if "type" in variant:
        return str(variant["type"])
    if "properties" in variant:
        return "object"
    values = _enum_values(variant)
    if values:
        return {str: "string", bool: "boolean", int: "integer", float: "number"}.get(type(values[0]), "any")
    return "any"


def _enum_values(variant: dict) -> list | None:
    if "enum" in variant:
        return list(variant["enum"])
    if "const" in variant:
        return [variant["const"]]
    return None


def _values(values: list) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _label(alternatives: list[dict], doc: dict, depth: int = 0) -> str:
    """A short type description: string, list[string], RiskGroup, dict[string, list[string]], ... | null."""
    out = []
    for v in alternatives:
        kind = json_type(v)
        if kind == "array" and depth < 3:
            out.append(f"list[{_label(variants(v.get('items') or {}, doc), doc, depth + 1)}]")
        elif kind == "object" and isinstance(v.get("additionalProperties"), dict) and not v.get("properties") and depth < 3:
            out.append(f"dict[string, {_label(variants(v['additionalProperties'], doc), doc, depth + 1)}]")
        elif kind == "object":
            out.append(v.get("title") or "object")
        elif _enum_values(v) is not None and len(_enum_values(v) or ()) == 1:
            out.append(f"{kind} {json.dumps(_enum_values(v)[0])}")
        else:
            out.append(kind)
    return " | ".join(dict.fromkeys(out))


def _shape(node: dict, doc: dict) -> str:
    """The node without documentation keys, $refs resolved (two fields of one shape: a rename candidate)."""
    def strip(value: Any, depth: int = 0) -> Any:
        if isinstance(value, dict):
            value = _resolve(value, doc) if depth < 8 else value
            return {k: ({p: strip(s, depth + 1) for p, s in v.items()} if k == "properties" and isinstance(v, dict)
                        else strip(v, depth + 1))
                    for k, v in sorted(value.items()) if k not in _DOC_KEYS}
        if isinstance(value, list):
            return [strip(v, depth + 1) for v in value]
        return value

    return json.dumps(strip(node), sort_keys=True)
