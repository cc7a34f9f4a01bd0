"""Publish a release: JSONL datasets, schemas, dataset card and manifest, switched in atomically.

Files are written into a hidden temporary directory, fsynced, checksummed into
manifest.json, and the directory is renamed into `releases/`; only then is
`latest` (a symlink) replaced in one rename. A reader, or a build killed at any
moment, never sees a half-written release behind `latest`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from ingest import EXTRACTOR_VERSION, __version__, faults
from ingest.card import dataset_card
from ingest.contract import evolve, model_schemas
from ingest.jsonl import Records

RELEASES = "releases"
LATEST = "latest"
MANIFEST = "manifest.json"
REPORT = "report.html"
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class ReleaseInfo:
    release_id: str
    path: Path
    published: bool  # False when the content equals the latest release's (nothing new to publish)
    manifest: dict


def jsonl_bytes(records: Iterable[dict] | Records) -> bytes:
    """JSON Lines, one compact object per line, UTF-8, field order as the model defines it."""
    if isinstance(records, Records):  # already release lines
        return b"".join(line + b"\n" for line in records.lines)
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _write(path: Path, data: bytes) -> dict:
    faults.checkpoint(f"write.before:{path.name}")
    with open(path, "wb") as fh:
        if faults.armed():  # crash tests only: two halves with a kill point between
            fh.write(data[:len(data) // 2])
            fh.flush()
            faults.checkpoint(f"write.mid:{path.name}")
            fh.write(data[len(data) // 2:])
        else:
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    faults.checkpoint(f"write.after:{path.name}")
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_release(out_dir: Path) -> Path | None:
    """The release directory `latest` points to, if any."""
    link = Path(out_dir) / LATEST
    if not link.exists():
        return None
    return link.resolve()


def read_manifest(release_dir: Path) -> dict:
    return json.loads((release_dir / MANIFEST).read_text("utf-8"))


def publish_release(out_dir: Path, datasets: dict[str, list[dict] | Records], quarantine: list[dict],
                    pages: list[tuple[str, str | None]], extra: dict | None = None,
                    extra_files: dict[str, bytes] | None = None, force: bool = False,
                    inputs: dict | None = None) -> ReleaseInfo:
    """Write a release under out_dir/releases/<id>/ and point out_dir/latest at it.

    `inputs`: the manifest's record of the inputs (ingest.build.incremental computes its digest;
    default: the number of pages); `extra` adds manifest fields and may not replace one."""
    out_dir = Path(out_dir)
    releases = out_dir / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    payload = {f"{name}.jsonl": jsonl_bytes(records) for name, records in sorted(datasets.items())}
    payload["quarantine.jsonl"] = jsonl_bytes(quarantine)
    payload.update(extra_files or {})
    content = hashlib.sha256()
    for name in sorted(payload):
        content.update(name.encode() + b"\0" + hashlib.sha256(payload[name]).digest())
    content_digest = content.hexdigest()
    previous = latest_release(out_dir)
    schemas_now = model_schemas()
    evolution = evolve(previous, schemas_now)  # SchemaContractError: a breaking change, nothing is written
    if previous is not None and not force and evolution.verdict == "identical":
        old = read_manifest(previous)
        if old.get("content_digest") == content_digest and old.get("extractor_version") == EXTRACTOR_VERSION:
            return ReleaseInfo(old["release_id"], previous, False, old)
    now = datetime.now(timezone.utc)
    release_id = f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{content_digest[:8]}"
    tmp = releases / f"{TMP_PREFIX}{release_id}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "schemas").mkdir(parents=True)
    faults.checkpoint("publish.begin")
    files: dict[str, dict] = {}
    for name, data in payload.items():
        files[name] = _write(tmp / name, data)
    # changes.jsonl: what changed against the release `latest` points to (not part of content_digest)
    from ingest.history import CHANGES, diff_datasets  # here: history imports this module

    in_memory = {**datasets, "quarantine": quarantine}  # other .jsonl files (extra_files) as bytes
    new = {n[:-6]: in_memory.get(n[:-6], data) for n, data in payload.items() if n.endswith(".jsonl")}
    changes = diff_datasets(previous, new, release_id)
    files[CHANGES] = _write(tmp / CHANGES, changes.changes_jsonl())
    schemas = {}
    for name, json_schema in schemas_now.items():
        schema = orjson.dumps(json_schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        files[f"schemas/{name}.schema.json"] = _write(tmp / "schemas" / f"{name}.schema.json", schema)
        schemas[name] = f"schemas/{name}.schema.json"
    counts = {name: len(records) for name, records in sorted(datasets.items())}
    counts["quarantine"] = len(quarantine)
    files["README.md"] = _write(tmp / "README.md", dataset_card(release_id, counts, evolution.to_json()).encode())
    manifest = {
        "release_id": release_id,
        "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "previous_release": previous.name if previous else None,
        "schema_version": evolution.version,  # the release's contract version (ingest.contract)
        "schema_evolution": evolution.to_json(),
        "ingest_version": __version__,
        "extractor_version": EXTRACTOR_VERSION,
        "inputs": inputs if inputs is not None else {"pages": len(pages)},
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
    files[REPORT] = _write(tmp / REPORT, _report(datasets, quarantine, payload, manifest, changes).encode())
    manifest["files"] = dict(sorted(files.items()))
    _write(tmp / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    _fsync_dir(tmp / "schemas")
    _fsync_dir(tmp)
    final = releases / release_id
    os.rename(tmp, final)
    _fsync_dir(releases)
    faults.checkpoint("publish.renamed")
    switch_latest(out_dir, final)
    return ReleaseInfo(release_id, final, True, manifest)


def _report(datasets: dict[str, list[dict]], quarantine: list[dict], payload: dict[str, bytes], manifest: dict,
            changes) -> str:
    """report.html for the release being written (from memory: nothing is read back)."""
    from ingest.report import render_report_from

    def lines(name: str) -> list[dict] | None:
        return [orjson.loads(line) for line in payload[name].splitlines()] if name in payload else None

    quality = orjson.loads(payload["quality.json"]) if "quality.json" in payload else {}
    return render_report_from({**datasets}, quarantine, quality, manifest, lines("duplicates.jsonl"),
                              [orjson.loads(line) for line in changes.changes_jsonl().splitlines()])


def switch_latest(out_dir: Path, release_dir: Path) -> None:
    """Point out_dir/latest at release_dir in one atomic rename."""
    link_tmp = Path(out_dir) / f"{TMP_PREFIX}latest-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(Path(RELEASES) / release_dir.name, link_tmp)
    faults.checkpoint("latest.link")
    os.replace(link_tmp, Path(out_dir) / LATEST)
    faults.checkpoint("latest.switched")
    _fsync_dir(Path(out_dir))


def verify_release(release_dir: Path) -> list[str]:
    """Problems found checking a release against its manifest's checksums ([] when valid)."""
    problems = []
    try:
        manifest = read_manifest(release_dir)
    except (OSError, ValueError) as exc:
        return [f"manifest unreadable: {exc}"]
    for name, meta in manifest.get("files", {}).items():
        path = release_dir / name
        if not path.exists():
            problems.append(f"{name}: missing")
            continue
        with open(path, "rb") as fh:  # streamed: a dataset may be larger than memory
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != meta["sha256"] or path.stat().st_size != meta["bytes"]:
            problems.append(f"{name}: checksum mismatch")
    return problems
