"""Readers for published releases, so that no downstream team writes its own.

    from ingest.datasets import open_release
    rel = open_release("normalized")            # the release `latest` points to
    rel = open_release("normalized", "previous")  # or a release id, id prefix, or a release folder
    for record in rel.procedures():             # validated ProcedureRecord objects, streamed
        ...
    assert rel.verify() == []                   # every file matches the manifest's checksums
    rel = open_release("normalized", verify=False)  # skip the check each dataset gets before its first record
    for change in rel.changes(): ...            # the change feed against the previous release

Records are read line by line (memory does not grow with the file), after the dataset file was checked
against the manifest (size, SHA-256, number of lines): a file cut short or rewritten raises CorruptRelease
naming it before any record is yielded (verify=False skips that read). A release of an older or
newer minor of this code's schema major reads (fields a newer minor added are dropped, with the
names in `rel.unknown_fields`); another major raises IncompatibleRelease with what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError

from ingest import SCHEMA_VERSION
from ingest.release.contract import IncompatibleRelease, check_readable, parse_version
from ingest.release.layout import (CHANGES, MANIFEST, ReleaseNotFound, dataset_files, file_problem, read_manifest,
                                   resolve_release, verify_release)

__all__ = ["CorruptRelease", "IncompatibleRelease", "Release", "ReleaseNotFound", "open_release"]


class CorruptRelease(ValueError):
    """A dataset file that does not match the release's manifest (cut short, rewritten, missing)."""


def open_release(where: str | Path = "normalized", ref: str | None = None, verify: bool = True) -> Release:
    """A published release: `where` is an output folder (its `latest`, or `ref` in it: id, id prefix,
    `latest`, `previous`) or a release folder itself. `verify`: check each dataset file against the
    manifest before yielding its first record (False: read as it is, for speed)."""
    path = Path(where)
    if ref is None and (path / MANIFEST).is_file():
        return Release(path, verify)
    if not path.is_dir():
        raise ReleaseNotFound(f"no release or output folder at {path}")
    return Release(resolve_release(path, ref or "latest"), verify)


class Release:
    """One release folder: its manifest, validated record streams, the change feed, verification."""

    def __init__(self, path: Path, verify: bool = True) -> None:
        self.path = Path(path).resolve()
        self.verify_on_read = verify
        try:
            self.manifest: dict[str, Any] = read_manifest(self.path)
        except (OSError, ValueError) as exc:
            raise ReleaseNotFound(f"{self.path} is not a release: manifest.json unreadable ({exc})") from None
        self.id: str = self.manifest.get("release_id") or self.path.name
        self.schema_version: str = str(self.manifest.get("schema_version") or "1.0")
        check_readable(self.schema_version, SCHEMA_VERSION, self.id)
        self.newer_minor = parse_version(self.schema_version)[1] > parse_version(SCHEMA_VERSION)[1]
        self.unknown_fields: set[str] = set()  # fields of a newer minor this code does not know (dropped)

    def __repr__(self) -> str:
        return f"Release({self.id!r}, schema {self.schema_version})"

    @property
    def datasets(self) -> list[str]:
        """Names of the JSONL datasets in this release."""
        return sorted(dataset_files(self.path))

    def records(self, dataset: str, validate: bool = True) -> Iterator[BaseModel] | Iterator[dict]:
        """Every record of a dataset, in file order, as its pydantic model (validate=False: plain dicts,
        also for datasets without a model such as `duplicates`)."""
        from ingest.models import DATASETS

        path = dataset_files(self.path).get(dataset)
        if dataset not in DATASETS and (validate or path is None):
            raise KeyError(f"no record model for dataset {dataset!r}; models: {', '.join(DATASETS)} "
                           f"(validate=False reads any dataset of the release: {', '.join(self.datasets)})")
        if self.verify_on_read:
            self._check(dataset, path)
        if path is None or not path.is_file():
            return
        model = DATASETS.get(dataset)
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield self._validate(model, line) if validate else orjson.loads(line)
                except (ValidationError, orjson.JSONDecodeError) as exc:
                    what = model.__name__ if validate and model else "JSON object"
                    raise ValueError(f"{path.name}:{number}: not a valid {what}: {exc}") from exc

    def procedures(self, validate: bool = True) -> Iterator[Any]:
        """ProcedureRecord objects of procedures.jsonl, streamed."""
        return self.records("procedures", validate)

    def terms(self, validate: bool = True) -> Iterator[Any]:
        """TermRecord objects of terms.jsonl, streamed."""
        return self.records("terms", validate)

    def billing(self, validate: bool = True) -> Iterator[Any]:
        """BillingRecord objects of billing.jsonl, streamed."""
        return self.records("billing", validate)

    def codes(self, validate: bool = True) -> Iterator[Any]:
        """CodeEntry objects of codes.jsonl, streamed."""
        return self.records("codes", validate)

    def quarantine(self, validate: bool = True) -> Iterator[Any]:
        """QuarantineEntry objects of quarantine.jsonl, streamed."""
        return self.records("quarantine", validate)

    def changes(self) -> Iterator[dict]:
        """The change feed (changes.jsonl): {dataset, id, change: added|removed|changed, fields?}, streamed."""
        from ingest.jsonl import read_jsonl

        yield from read_jsonl(self.path / CHANGES)

    def verify(self) -> list[str]:
        """Problems found checking every file against the manifest's SHA-256 and size ([] when valid)."""
        return verify_release(self.path)

    def _check(self, dataset: str, path: Path | None) -> None:
        """CorruptRelease when the dataset's file does not match the manifest (size, SHA-256, lines)."""
        entry = self.manifest.get("datasets", {}).get(dataset)
        if entry is None:
            return  # a dataset this release does not have (older releases lack newer datasets): nothing to read
        name = entry.get("file", f"{dataset}.jsonl")
        meta = self.manifest.get("files", {}).get(name) or entry
        problem = file_problem(self.path / name, name, meta, self.manifest.get("counts", {}).get(dataset))
        if problem:
            raise CorruptRelease(f"release {self.id} is corrupt: {problem}; nothing was read. `ingest releases "
                                 "--verify` lists the valid releases (verify=False reads the file as it is)")

    def _validate(self, model: type[BaseModel], line: bytes) -> BaseModel:
        try:
            return model.model_validate_json(line)
        except ValidationError as exc:
            if not self.newer_minor:
                raise
            extra = [e["loc"] for e in exc.errors() if e["type"] == "extra_forbidden"]
            if not extra or len(extra) != exc.error_count():
                raise
        record = orjson.loads(line)  # a newer minor added fields: drop them (and remember their names)
        for loc in extra:
            parent = record
            for key in loc[:-1]:
                parent = parent[key]
            parent.pop(loc[-1], None)
            self.unknown_fields.add(".".join(str(k) for k in loc if not isinstance(k, int)))
        return model.model_validate(record)
