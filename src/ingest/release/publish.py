"""Publish a release: JSONL datasets, schemas, dataset card and manifest, switched in atomically.

Files are written into a hidden temporary directory, fsynced, checksummed into
manifest.json, and the directory is renamed into `releases/`; only then is
`latest` (a symlink) replaced in one rename. A reader, or a build killed at any
moment, never sees a half-written release behind `latest`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from ingest import EXTRACTOR_VERSION, __version__, faults, interrupts
from ingest.errors import storage_failure
from ingest.jsonl import Records, RecordsFile
from ingest.release.card import dataset_card
from ingest.release.contract import evolve, model_schemas
from ingest.release.changefeed import ChangeFeed, change_lines
from ingest.release.layout import (CARD, CHANGES, DUPLICATES, MANIFEST, QUALITY, QUARANTINE, RELEASES, REPORT,
                                   SCHEMAS, TMP_PREFIX, PublishBase, fsync_dir, move_file, read_manifest,
                                   schema_file, switch_latest, write_file)
from ingest.release.report import render_report_from


@dataclass(frozen=True)
class ReleaseInfo:
    """What publish_release did, and what it had in memory (so that nothing need read the release back)."""

    release_id: str
    path: Path
    published: bool  # False when the content equals the latest release's (nothing new to publish)
    manifest: dict
    changes: ChangeFeed | None = None  # against the previous release; None when nothing was published


Payload = bytes | RecordsFile  # a file's bytes, or a file already written (moved into the release)


def jsonl_bytes(records: Iterable[dict] | Records) -> bytes:
    """JSON Lines, one compact object per line, UTF-8, field order as the model defines it."""
    if isinstance(records, Records):  # already release lines
        return b"".join(line + b"\n" for line in records.lines)
    return b"".join(orjson.dumps(r) + b"\n" for r in records)




def _payload(records: Iterable[dict] | Records | RecordsFile) -> Payload:
    return records if isinstance(records, RecordsFile) else jsonl_bytes(records)


def _sha256(data: Payload) -> bytes:
    return bytes.fromhex(data.sha256) if isinstance(data, RecordsFile) else hashlib.sha256(data).digest()


def publish_release(out_dir: Path, datasets: dict[str, list[dict] | Records | RecordsFile],
                    quarantine: list[dict] | RecordsFile, pages: list[tuple[str, str | None]] | int,
                    extra: dict | None = None,
                    extra_files: dict[str, Payload] | None = None, force: bool = False,
                    inputs: dict | None = None, base: PublishBase | None = None) -> ReleaseInfo:
    """Write a release under out_dir/releases/<id>/ and point out_dir/latest at it.

    `inputs`: the manifest's record of the inputs (ingest.assembly.incremental computes its digest;
    default: the number of pages); `extra` adds manifest fields and may not replace one. `base`: the
    release published over (default: PublishBase.of(out_dir), the valid `latest` or, when `latest` is
    corrupt, the newest valid release): the schema, `changes.jsonl` and `previous_release` are against it.
    Datasets (and the quarantine) given as files (ingest.jsonl.RecordsFile, written by the build's
    streaming merge) are moved into the release, not read into memory. `pages`: the number of input
    pages (or their list). A storage failure (disk full, permission) raises StorageFailed and leaves
    no temporary folder."""
    out_dir = Path(out_dir)
    releases = out_dir / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Payload] = {f"{name}.jsonl": _payload(records) for name, records in sorted(datasets.items())}
    payload[QUARANTINE] = _payload(quarantine)
    payload.update(extra_files or {})
    content = hashlib.sha256()
    for name in sorted(payload):
        content.update(name.encode() + b"\0" + _sha256(payload[name]))
    content_digest = content.hexdigest()
    base = base if base is not None else PublishBase.of(out_dir)
    previous = base.path
    schemas_now = model_schemas()
    evolution = evolve(previous, schemas_now)  # SchemaContractError: a breaking change, nothing is written
    if previous is not None and base.latest_valid and not force and evolution.verdict == "identical":
        old = read_manifest(previous)
        if old.get("content_digest") == content_digest and old.get("extractor_version") == EXTRACTOR_VERSION:
            return ReleaseInfo(old["release_id"], previous, False, old)
    now = datetime.now(timezone.utc)
    release_id = f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{content_digest[:8]}"
    tmp = releases / f"{TMP_PREFIX}{release_id}-{os.getpid()}"
    try:
        return _write_release(out_dir, tmp, release_id, now, datasets, quarantine, payload, pages, extra, inputs,
                              content_digest, previous, base, evolution, schemas_now)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing half-written stays behind (gc would find it otherwise)
        if (failure := storage_failure(exc, str(tmp))) is not None:
            raise failure from exc
        raise


def _write_release(out_dir: Path, tmp: Path, release_id: str, now: datetime, datasets: dict, quarantine: list[dict],
                   payload: dict[str, Payload], pages: list | int, extra: dict | None, inputs: dict | None, content_digest: str,
                   previous: Path | None, base: PublishBase, evolution, schemas_now: dict) -> ReleaseInfo:
    releases = out_dir / RELEASES
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / SCHEMAS).mkdir(parents=True)
    faults.checkpoint("publish.begin")
    files: dict[str, dict] = {}
    for name, data in payload.items():
        if isinstance(data, RecordsFile):  # written by the build's merge: moved in, read from here on
            files[name], payload[name] = move_file(data, tmp / name), RecordsFile(tmp / name, data.count, data.sha256,
                                                                                 data.size)
        else:
            files[name] = write_file(tmp / name, data)
    datasets = {n: payload[f"{n}.jsonl"] if isinstance(r, RecordsFile) else r for n, r in datasets.items()}
    quarantine = payload[QUARANTINE] if isinstance(quarantine, RecordsFile) else quarantine
    # changes.jsonl: what changed against the release `latest` points to (not part of content_digest)
    in_memory = {**datasets, "quarantine": quarantine}  # other .jsonl files (extra_files) as bytes
    new = {n[:-6]: data if isinstance(data, RecordsFile) else in_memory.get(n[:-6], data)
           for n, data in payload.items() if n.endswith(".jsonl")}
    changes = ChangeFeed(previous.name if previous is not None else None, release_id)
    files[CHANGES] = write_file(tmp / CHANGES, change_lines(changes, previous, new, tmp / ".changes.spill"))  # streamed
    change_file = RecordsFile(tmp / CHANGES, sum(sum(c.values()) for c in changes.summary().values()),
                               files[CHANGES]["sha256"], files[CHANGES]["bytes"])
    schemas = {}
    for name, json_schema in schemas_now.items():
        schema = orjson.dumps(json_schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        schemas[name] = schema_file(name)
        files[schemas[name]] = write_file(tmp / schemas[name], schema)
    counts = {name: len(records) for name, records in sorted(datasets.items())}
    counts["quarantine"] = len(quarantine)
    files[CARD] = write_file(tmp / CARD, dataset_card(release_id, counts, evolution.to_json()).encode())
    manifest = {
        "release_id": release_id,
        "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "previous_release": previous.name if previous else None,
        **({"repairs": base.repairs} if base.repairs else {}),  # the corrupt `latest` this release replaces
        "schema_version": evolution.version,  # the release's contract version (ingest.release.contract)
        "schema_evolution": evolution.to_json(),
        "ingest_version": __version__,
        "extractor_version": EXTRACTOR_VERSION,
        "inputs": inputs if inputs is not None else {"pages": pages if isinstance(pages, int) else len(pages)},
        "content_digest": content_digest,
        "counts": counts,
        "changes": changes.summary(),
        "datasets": {name[:-6]: {"file": name, "records": counts.get(name[:-6], 0), **files[name],
                                 "schema": schemas.get(name[:-6])}
                     for name in sorted(payload) if name.endswith(".jsonl")},
        "files": dict(sorted(files.items())),
    }
    if clash := sorted(set(extra or {}) & set(manifest)):
        raise ValueError(f"extra manifest fields would replace the manifest's own: {clash}")
    manifest.update(extra or {})
    files[REPORT] = write_file(tmp / REPORT, _report(datasets, quarantine, payload, manifest, change_file).encode())
    manifest["files"] = dict(sorted(files.items()))
    write_file(tmp / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    fsync_dir(tmp / SCHEMAS)
    fsync_dir(tmp)
    if interrupts.requested() is not None:  # the last safe point: the release written is thrown away
        shutil.rmtree(tmp, ignore_errors=True)
        interrupts.check("publish")
    final = releases / release_id
    with interrupts.committing():  # a second signal waits for these renames (milliseconds)
        os.rename(tmp, final)
        fsync_dir(releases)
        faults.checkpoint("publish.renamed")
        switch_latest(out_dir, final)
    return ReleaseInfo(release_id, final, True, manifest, changes)


def _report(datasets: dict[str, list[dict]], quarantine: list[dict], payload: dict[str, Payload], manifest: dict,
            changes: RecordsFile) -> str:
    """report.html for the release being written (nothing is read back but the files just written, streamed)."""
    def lines(name: str) -> Sequence[dict] | None:
        if name not in payload:
            return None
        data = payload[name]
        return data if isinstance(data, RecordsFile) else [orjson.loads(line) for line in data.splitlines()]

    quality = orjson.loads(payload[QUALITY]) if QUALITY in payload else {}  # type: ignore[arg-type]
    return render_report_from({**datasets}, quarantine, quality, manifest, lines(DUPLICATES), changes)
