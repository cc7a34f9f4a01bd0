"""The data contract: which schema version a release gets, and who may read it.

`evolve(previous_release, new_schemas)` compares the schemas a build is about to publish
with those of the release `latest` points to (`ingest.release.schema_diff`) and decides:

- identical: the release keeps the previous release's version;
- compatible (optional field added, enum value added, constraint loosened): minor + 1;
- breaking (field removed or renamed, type changed, optional made required, enum narrowed):
  refused with `SchemaContractError`, one line per broken field, unless the code's
  `SCHEMA_VERSION` major is above the previous release's (raised on purpose): the release
  then takes the code's version (e.g. 2.0).

Readers call `check_readable(release_version)`: an older or newer minor of the same major
reads; another major fails with a clear message. Pure: no Prefect, no writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import SCHEMA_VERSION
from ingest.errors import PublishRefused
from ingest.release.layout import read_manifest
from ingest.release.schema_diff import SchemaDiff, contract_data, diff_schemas, read_schemas

VERSION_FILE = "src/ingest/__init__.py"  # where SCHEMA_VERSION is set (named in messages)


class SchemaContractError(PublishRefused):
    """A breaking schema change without a deliberate major version bump: nothing is published (a publish
    refusal like the gates: exit 3, never retried)."""


class IncompatibleRelease(RuntimeError):
    """A release written with a schema major this code cannot read."""


def parse_version(version: str) -> tuple[int, int]:
    """'1.3' -> (1, 3); a bare major '2' -> (2, 0)."""
    parts = str(version).strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise ValueError(f"not a schema version (major.minor): {version!r}") from None


@dataclass(frozen=True)
class Evolution:
    """The schema verdict of a release against the one before it."""

    version: str  # the release's schema version (manifest.json's schema_version)
    code_version: str  # SCHEMA_VERSION of the code that built it
    previous_version: str | None
    compared_with: str | None  # release id of the previous release, None for the first
    diff: SchemaDiff

    @property
    def verdict(self) -> str:
        """first, identical, compatible or breaking (published only with a major bump)."""
        return "first" if self.compared_with is None else self.diff.verdict

    def to_json(self) -> dict[str, Any]:
        """What manifest.json's `schema_evolution` holds."""
        return {"version": self.version, "verdict": self.verdict, "previous_version": self.previous_version,
                "compared_with": self.compared_with, "code_version": self.code_version,
                "changes": [c.as_dict() for c in self.diff.changes]}


def model_schemas() -> dict[str, dict]:
    """{dataset: JSON Schema} of the record models this code publishes (ingest.models.DATASETS)."""
    from ingest import models

    return {name: model.model_json_schema() for name, model in models.DATASETS.items()}


def release_version(release_dir: Path) -> str:
    """manifest.json's schema_version of a release ("1.0" when absent)."""
    manifest = read_manifest(release_dir)
    return str(manifest.get("schema_version") or "1.0")


def evolve(previous_dir: Path | None, new_schemas: dict[str, dict], code_version: str | None = None) -> Evolution:
    """The version of a release whose schemas are new_schemas, published after previous_dir
    (code_version: ingest.SCHEMA_VERSION, read when called).

    Raises SchemaContractError on a breaking change within the same major, or when the code's
    major is below the previous release's."""
    if code_version is None:
        import ingest

        code_version = ingest.SCHEMA_VERSION
    if previous_dir is None:
        return Evolution(code_version, code_version, None, None, SchemaDiff())
    previous_dir = Path(previous_dir)
    try:
        prev_version = release_version(previous_dir)
    except (OSError, ValueError):  # a damaged manifest: judge the schemas against the code's own version
        prev_version = code_version
    diff = diff_schemas(read_schemas(previous_dir), new_schemas)
    (pmaj, pmin), (cmaj, cmin) = parse_version(prev_version), parse_version(code_version)
    if cmaj > pmaj:  # major raised on purpose: the code's version, whatever changed
        version = code_version
    elif cmaj < pmaj:
        raise SchemaContractError(
            f"the code's SCHEMA_VERSION {code_version} is older than the latest release's schema {prev_version} "
            f"({previous_dir.name}); nothing published: build with a newer ingest")
    elif diff.verdict == "breaking":
        raise SchemaContractError(breaking_message(diff, previous_dir.name, prev_version, code_version))
    else:
        minor = pmin + 1 if diff.verdict == "compatible" else pmin
        version = f"{pmaj}.{max(minor, cmin)}"
    return Evolution(version, code_version, prev_version, previous_dir.name, diff)


def breaking_message(diff: SchemaDiff, previous_id: str, prev_version: str, code_version: str) -> str:
    """The refusal: a header, then one line per broken field."""
    major = parse_version(prev_version)[0]
    lines = [f"breaking schema change against release {previous_id} (schema {prev_version}), nothing published; "
             f"raise SCHEMA_VERSION in {VERSION_FILE} from {code_version} to {major + 1}.0 to publish it on purpose:"]
    lines += [f"  {c.line()}" for c in diff.breaking]
    return "\n".join(lines)


def check_readable(version: str, reader_version: str = SCHEMA_VERSION, where: str = "") -> None:
    """Raise IncompatibleRelease unless a release of schema `version` is readable by this code."""
    release_major, reader_major = parse_version(version)[0], parse_version(reader_version)[0]
    if release_major == reader_major:
        return
    what = f"release {where} " if where else "this release "
    if release_major > reader_major:
        raise IncompatibleRelease(
            f"{what}has schema {version}, newer than this ingest reads ({reader_major}.x): its fields may have "
            f"been removed, renamed or retyped; upgrade ingest (pip install -U ingest) to read it")
    steps = [contract_data().get("majors", {}).get(str(major), {}) for major in range(release_major + 1, reader_major + 1)]
    notes = "".join(f" Schema {major}.0: {s['changed']}; to read this release, {s['migrate']}."
                    for major, s in zip(range(release_major + 1, reader_major + 1), steps) if s)
    raise IncompatibleRelease(
        f"{what}has schema {version}, an older major than this ingest reads ({reader_major}.x).{notes} "
        f"Or read it with an ingest of schema {release_major}.x, or load the JSONL yourself.")
