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

**One record per document.** A record is one page: its `id` comes from the page's URL (the URL it
was scraped from, else its `<link rel=canonical>`, normalized), else from its path under the raw
folder, and stays the same when the page's text changes (`changes.jsonl` then says `changed`).
Only copies of a page collapse into its record (the same page under several URLs, a print
version, a syndicated copy, a re-upload: `sources` roles `exact_duplicate`, `near_duplicate`);
a record's fields are always those of its `primary` source. Pages of different sites about
the same procedure are separate records that share an `entity` (`cpt:27447`, or
`name:<normalized name>` without a code); `entities.jsonl` lists each entity with its record
ids, codes, names and sites, and `codes.jsonl` points to every record of a code.

Also here: `duplicates.jsonl` (one line per copy cluster: level exact / near_duplicate,
members with similarity to the primary and role, and why the primary was picked),
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

One record per entity (one page per procedure, as releases of schema 1.x gave), by a stated rule:
the most complete (most of the 13 sections filled), then the newest (the primary page's stated
date, then its fetch time), then the smallest `id`:

```python
import duckdb
duckdb.sql('''{pick_query}''').show()
```

With `ingest` installed: `from ingest.datasets import open_release` streams validated records
(`open_release(".").procedures()`), and `ingest export <release> --format parquet --out DIR`
writes one Parquet file per dataset (`pip install 'ingest[parquet]'`).
"""


def completeness_sql() -> str:
    """SQL summing the procedure sections a record fills (text: not null; list: not empty)."""
    from ingest.extract.vocabulary import vocabulary

    return " + ".join(f"(len({s.name}) > 0)::INT" if s.kind == "list" else f"({s.name} IS NOT NULL)::INT"
                      for s in vocabulary().sections)


def pick_one_per_entity_sql(path: str = "procedures.jsonl") -> str:
    """The DuckDB query of the card: one procedure record per entity (most complete, newest, smallest id)."""
    return (f"SELECT * EXCLUDE (filled) FROM (\n"
            f"  SELECT *, {completeness_sql()} AS filled\n"
            f"  FROM read_json('{path}', format='newline_delimited'))\n"
            f"QUALIFY row_number() OVER (PARTITION BY entity ORDER BY filled DESC,\n"
            f"  sources[1].page_date DESC NULLS LAST, sources[1].fetched_at DESC NULLS LAST, id) = 1\n"
            f"ORDER BY entity")


MIGRATION = """## Migrating from schema 1.x

Releases of schema 1.x fused pages with the same code or the same normalized title into one
record, field by field ("newest wins"): the other pages' sections were lost and their URLs
pointed at another page's text. From 2.0 every page (with its copies) is its own record, so
there can be several records per code or procedure: `id`s changed (they name the page, not the
code or title; the first 2.0 release lists every 1.x record as removed and every record as added
in `changes.jsonl`), each record has an `entity`, `sources[].role` has no `merged` any more,
`duplicates.jsonl` has no `same_entity` level, and `entities.jsonl` is new. To keep one record
per procedure, select one per `entity` with the query above; to find every page about a code,
read `entities.jsonl` or `codes.jsonl`'s `referenced_by`. `ingest.datasets.open_release` of this
version refuses 1.x releases with what to do.
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
    recipes = _RECIPES.replace("{pick_query}", pick_one_per_entity_sql())
    parts += [p for p in (schema_section(evolution), recipes, MIGRATION) if p]
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
