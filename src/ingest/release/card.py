"""The dataset card (README.md) of a release, generated from the record models."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from ingest.models import DATASETS

_INTRO = """# ingest release {release_id}

Records extracted from medical-procedure reference pages by the `ingest` pipeline.
Each `*.jsonl` file holds one JSON object per line, UTF-8, sorted by `id` (quarantine:
by `path`). `manifest.json` lists every file with its SHA-256 and size, the record
counts, the code and schema versions and a digest of the inputs; `schemas/` holds the
JSON Schema of each dataset. Every input page is either a `sources` entry of a record
or a line of `quarantine.jsonl` with a reason code. Pages fetched by `ingest scrape` are
built as a snapshot: each URL's newest version only; its older versions are *superseded*
(kept in the raw store for audit, not extracted, counted in `manifest.json` as
`inputs.superseded` and in `quality.json` as `superseded_versions`; a record's
`previous_versions` counts those of its page's URL).

Also here: `duplicates.jsonl` (one line per duplicate cluster: level exact / near_duplicate /
same_entity, members with similarity and role, and why the primary was picked),
`changes.jsonl` (records added, removed and changed against the previous release, with the
changed fields' old and new values), `quality.json` (field coverage per page type and site,
layout drift, code conflicts, invalid codes) and `report.html` (all of it for people).
"""


def _type_name(annotation) -> str:
    args = get_args(annotation)
    if args:
        names = [_type_name(a) for a in args if a is not type(None)]
        origin = getattr(annotation, "__origin__", None)
        if origin is list:
            return f"list[{names[0]}]"
        if origin is dict:
            return f"dict[{', '.join(names)}]"
        optional = " | null" if type(None) in args else ""
        if all(isinstance(a, str) for a in args):
            return " | ".join(repr(a) for a in args)
        return " | ".join(names) + optional
    return getattr(annotation, "__name__", str(annotation))


def model_table(model: type[BaseModel]) -> str:
    """A Markdown table of a model's fields: name, type, meaning."""
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for name, info in model.model_fields.items():
        rows.append(f"| `{name}` | `{_type_name(info.annotation)}` | {info.description or ''} |")
    return "\n".join(rows)


_RECIPES = """## Reading this release

Verify first: a copy cut short (a full disk, an interrupted sync) reads as fewer records with no
error. From this folder, every file against the SHA-256 in `manifest.json` (standard library only):

```python
import hashlib, json
files = json.load(open("manifest.json"))["files"]
bad = [n for n, m in files.items() if hashlib.file_digest(open(n, "rb"), "sha256").hexdigest() != m["sha256"]]
assert not bad, f"corrupt files, do not load this release: {bad}"
print(f"{len(files)} files verified")
```

Then DuckDB (`pip install duckdb`), three lines:

```python
import duckdb
procedures = duckdb.read_json("procedures.jsonl", format="newline_delimited")
duckdb.sql("SELECT code, title, len(risks) AS risks FROM procedures ORDER BY id LIMIT 5").show()
```

pandas (`pip install pandas`; `dtype=False` keeps codes such as `0213T` as text):

```python
import pandas as pd
procedures = pd.read_json("procedures.jsonl", lines=True, dtype=False)
print(procedures[["id", "code", "title"]].head())
```

With `ingest` installed: `from ingest.datasets import open_release` streams validated records
(`open_release(".").procedures()`), and `ingest export <release> --format parquet --out DIR`
writes one Parquet file per dataset (`pip install 'ingest[parquet]'`).
"""


def schema_section(evolution: dict | None) -> str:
    """The card's "Schema version" section: the release's version, the verdict and each field change."""
    if not evolution:
        return ""
    verdict, version = evolution.get("verdict"), evolution.get("version")
    against = evolution.get("compared_with")
    if verdict == "first":
        head = f"Schema **{version}**: the first release of this output folder."
    else:
        head = (f"Schema **{version}** ({verdict} against release `{against}`, schema "
                f"{evolution.get('previous_version')}).")
    lines = [f"- `{c['message']}`" + (" (breaking)" if c.get("breaking") else "") for c in evolution.get("changes", [])]
    return ("## Schema version\n\n" + head + " Within one major version fields are only added, enum values only "
            "added and constraints only loosened; a removed, renamed or retyped field raises the major.\n"
            + ("\n" + "\n".join(lines) + "\n" if lines else ""))


def dataset_card(release_id: str, counts: dict[str, int], evolution: dict | None = None) -> str:
    """README.md for a release (evolution: manifest.json's `schema_evolution`)."""
    parts = [_INTRO.format(release_id=release_id)]
    parts += [p for p in (schema_section(evolution), _RECIPES) if p]
    for name, model in DATASETS.items():
        doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
        parts.append(f"## {name}.jsonl ({counts.get(name, 0)} records)\n\n{doc}\n\n{model_table(model)}\n")
        for sub in _nested_models(model):
            parts.append(f"### {sub.__name__}\n\n{model_table(sub)}\n")
    return "\n".join(parts)


def _nested_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = []
    for info in model.model_fields.values():
        for arg in get_args(info.annotation) or (info.annotation,):
            for inner in get_args(arg) or (arg,):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in found:
                    found.append(inner)
    return found
