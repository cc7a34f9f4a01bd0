"""`ingest export`: a release's datasets as Parquet files, typed from the release's own JSON Schemas.

One file per dataset with a schema (procedures, terms, billing, codes, quarantine). Types
come from `schemas/<dataset>.schema.json`: strings, integers, numbers and booleans as
themselves, lists as list columns, nested objects as structs, string-keyed dicts
(`notes`, `referenced_by`) as maps; a union of several JSON types is stored as its JSON
text. Records are streamed in row batches (memory grows with the batch, not the file),
each file is written beside its final name and renamed into place when complete.
pyarrow is an optional extra: `pip install 'ingest[parquet]'`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ingest.release.layout import dataset_files, read_manifest
from ingest.release.schema_diff import json_type, read_schemas, variants

FORMATS = ("parquet",)
Convert = Callable[[Any], Any] | None  # None: the JSON value is already what pyarrow takes


class ExportError(RuntimeError):
    """The export cannot run (missing extra, unknown format)."""


@dataclass(frozen=True)
class ExportedFile:
    dataset: str
    path: Path
    rows: int
    bytes: int


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet export needs pyarrow: pip install 'ingest[parquet]'") from None
    return pa, pq


def export_release(release_dir: Path, out_dir: Path, fmt: str = "parquet", batch_rows: int = 2000,
                   datasets: list[str] | None = None) -> list[ExportedFile]:
    """Write one `<dataset>.parquet` per dataset of release_dir into out_dir; return what was written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    pa, pq = _pyarrow()
    release_dir, out_dir = Path(release_dir), Path(out_dir)
    schemas, files = read_schemas(release_dir), dataset_files(release_dir)
    manifest = read_manifest(release_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(schemas):
        if name not in files or (datasets and name not in datasets):
            continue
        doc = schemas[name]
        order = _first_keys(files[name])
        columns = sorted(doc.get("properties", {}), key=lambda k: (order.index(k) if k in order else len(order), k))
        fields, converters = [], {}
        for column in columns:
            arrow_type, convert = arrow_field(doc["properties"][column], doc, pa)
            fields.append(pa.field(column, arrow_type, nullable=True))
            if convert is not None:
                converters[column] = convert
        schema = pa.schema(fields, metadata={"ingest.release_id": str(manifest.get("release_id")),
                                             "ingest.schema_version": str(manifest.get("schema_version")),
                                             "ingest.dataset": name})
        target = out_dir / f"{name}.parquet"
        tmp = out_dir / f".{name}.parquet.tmp-{os.getpid()}"
        rows = 0
        try:
            with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                for batch in _batches(files[name], batch_rows):
                    for record in batch:
                        for column, convert in converters.items():
                            if record.get(column) is not None:
                                record[column] = convert(record[column])
                    writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                    rows += len(batch)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        written.append(ExportedFile(name, target, rows, target.stat().st_size))
    return written


def arrow_field(node: dict, doc: dict, pa) -> tuple[Any, Convert]:
    """(pyarrow type, value converter or None) for one JSON Schema node of doc."""
    alts = [v for v in variants(node, doc) if json_type(v) != "null"]
    kinds = {json_type(v) for v in alts}
    scalars = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
    if kinds == {"integer", "number"}:
        return pa.float64(), None
    if len(kinds) != 1:
        return pa.string(), _as_json
    kind, alt = kinds.pop(), alts[0]
    if kind in scalars:
        return scalars[kind], None
    if kind == "array":
        item_type, convert = arrow_field(alt.get("items") or {}, doc, pa)
        return pa.list_(item_type), (None if convert is None else lambda xs: [None if x is None else convert(x)
                                                                               for x in xs])
    if kind == "object" and alt.get("properties"):
        subs = {k: arrow_field(v, doc, pa) for k, v in alt["properties"].items()}
        inner = {k: c for k, (_, c) in subs.items() if c is not None}
        struct = pa.struct([pa.field(k, t, nullable=True) for k, (t, _) in subs.items()])
        return struct, (None if not inner else lambda obj: _convert_keys(obj, inner))
    if kind == "object" and isinstance(alt.get("additionalProperties"), dict):
        value_type, convert = arrow_field(alt["additionalProperties"], doc, pa)
        return pa.map_(pa.string(), value_type), (
            lambda obj: [(k, v if v is None or convert is None else convert(v)) for k, v in obj.items()])
    return pa.string(), _as_json


def _convert_keys(obj: dict, converters: dict[str, Callable[[Any], Any]]) -> dict:
    return {k: (converters[k](v) if k in converters and v is not None else v) for k, v in obj.items()}


def _as_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _batches(path: Path, size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                batch.append(orjson.loads(line))
                if len(batch) >= size:
                    yield batch
                    batch = []
    if batch:
        yield batch


def _first_keys(path: Path) -> list[str]:
    """Field order of the dataset's first record (schema files sort their keys; records keep model order)."""
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                return list(orjson.loads(line))
    return []
