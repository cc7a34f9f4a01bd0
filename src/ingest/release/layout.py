"""The release store's layout, in one place: what is where under an output folder, and how it changes.

    <out>/latest -> releases/<id>          a symlink, replaced in one rename (switch_latest)
    <out>/releases/<id>/                   one published release (ids start with the UTC time)
        manifest.json                      every file's SHA-256 and size, counts, versions, inputs
        <dataset>.jsonl, quarantine.jsonl  the records; duplicates.jsonl, changes.jsonl, quality.json
        schemas/<dataset>.schema.json      README.md (the dataset card), report.html
    <out>/releases/.tmp-<id>-<pid>/        a release being written (renamed into place when complete)
    <out>/.staging/<settings key>/         a build's batch parts and merged datasets (ingest.assembly.parts;
                                           removed once published, reused by a rerun, removed by gc)

Publish, diff, retention, the report and the readers stand on this module; it imports none of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest import faults
from ingest.atomic import TMP_PREFIX, fsync_dir

RELEASES = "releases"
LATEST = "latest"
MANIFEST = "manifest.json"
REPORT = "report.html"
CARD = "README.md"
QUALITY = "quality.json"
QUARANTINE = "quarantine.jsonl"
DUPLICATES = "duplicates.jsonl"
CHANGES = "changes.jsonl"
SCHEMAS = "schemas"
STAGING = ".staging"



class ReleaseNotFound(LookupError):
    """A release reference that matches no release, or more than one."""


def schema_file(dataset: str) -> str:
    """A dataset's JSON Schema file, relative to its release folder."""
    return f"{SCHEMAS}/{dataset}.schema.json"


# --------------------------------------------------------------------------- reading


def latest_release(out_dir: Path) -> Path | None:
    """The release directory `latest` points to, if any."""
    link = Path(out_dir) / LATEST
    if not link.exists():
        return None
    return link.resolve()


def read_manifest(release_dir: Path) -> dict:
    """A release's manifest.json (OSError / ValueError when missing or unreadable)."""
    return json.loads((Path(release_dir) / MANIFEST).read_text("utf-8"))


def release_dirs(out_dir: Path) -> list[Path]:
    """Published release directories under out_dir/releases, oldest first (ids start with the UTC time)."""
    root = Path(out_dir) / RELEASES
    if not root.is_dir():
        return []
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def resolve_release(out_dir: Path, ref: str) -> Path:
    """The release directory `ref` names: `latest`, `previous`, a release id or a unique id prefix."""
    out_dir = Path(out_dir)
    dirs = release_dirs(out_dir)
    if ref in ("latest", "previous"):
        latest = latest_release(out_dir)
        if latest is None:
            raise ReleaseNotFound(f"no `latest` release in {out_dir}")
        if ref == "latest":
            return latest
        try:
            prev = read_manifest(latest).get("previous_release")
        except (OSError, ValueError):
            prev = None
        if prev and not prev.startswith(".") and (out_dir / RELEASES / prev).is_dir():
            return out_dir / RELEASES / prev
        older = [d for d in dirs if d.name < latest.name]  # the predecessor was removed: the next older one
        if not older:
            raise ReleaseNotFound(f"the latest release {latest.name} has no previous release in {out_dir}")
        return older[-1]
    matches = [d for d in dirs if d.name == ref] or [d for d in dirs if ref and d.name.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ReleaseNotFound(f"{ref!r} is ambiguous: " + ", ".join(d.name for d in matches))
    raise ReleaseNotFound(f"no release {ref!r} in {out_dir / RELEASES}")


def dataset_files(release_dir: Path) -> dict[str, Path]:
    """{dataset: path} of a release's JSONL datasets (from its manifest; *.jsonl if that is unreadable)."""
    release_dir = Path(release_dir)
    try:
        return {name: release_dir / meta["file"] for name, meta in read_manifest(release_dir)["datasets"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {p.stem: p for p in sorted(release_dir.glob("*.jsonl")) if p.name != CHANGES}


def verify_release(release_dir: Path) -> list[str]:
    """Problems found checking a release against its manifest ([] when valid): the manifest is there and
    lists its files, each file has the recorded size (a stat: a cut file is caught without reading it),
    SHA-256 and, for a dataset, the recorded number of lines (one streamed read per file)."""
    release_dir = Path(release_dir)
    try:
        manifest = read_manifest(release_dir)
        files = manifest["files"]
        lines = {meta["file"]: manifest["counts"][name] for name, meta in manifest.get("datasets", {}).items()
                 if name in manifest.get("counts", {})}
    except FileNotFoundError:
        return [f"{MANIFEST}: missing (an incomplete release)"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return [f"{MANIFEST}: unreadable ({type(exc).__name__}: {exc})"]
    return [problem for name, meta in files.items()
            if (problem := file_problem(release_dir / name, name, meta, lines.get(name)))]


def file_problem(path: Path, name: str, meta: dict, lines: int | None) -> str | None:
    """What is wrong with one file of a release against its manifest entry {sha256, bytes} and, for a
    dataset, its number of records (None when it matches)."""
    try:
        size = path.stat().st_size
        if size != meta["bytes"]:
            return f"{name}: checksum mismatch ({size:,} bytes, the manifest says {meta['bytes']:,}: cut or rewritten)"
        digest, newlines = hashlib.sha256(), 0
        with open(path, "rb") as fh:  # streamed: a dataset may be larger than memory
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                newlines += chunk.count(b"\n")
    except FileNotFoundError:
        return f"{name}: missing"
    except OSError as exc:
        return f"{name}: unreadable ({exc.strerror or exc})"
    except (KeyError, TypeError):
        return f"{name}: the manifest's entry is malformed"
    if digest.hexdigest() != meta.get("sha256"):
        return f"{name}: checksum mismatch"
    if lines is not None and newlines != lines:
        return f"{name}: {newlines:,} lines, the manifest says {lines:,} records (an inconsistent manifest)"
    return None


def newest_valid_release(out_dir: Path, latest_problems: list[str] | None = None) -> Path | None:
    """The newest release that verifies, trying the one `latest` points to first (latest_problems: its
    verification, when already done), then the others newest first; None when no release is valid."""
    latest = latest_release(out_dir)
    if latest is not None and latest.is_dir():
        if not (latest_problems if latest_problems is not None else verify_release(latest)):
            return latest
    for candidate in reversed(release_dirs(out_dir)):
        if candidate.resolve() != latest and not verify_release(candidate):
            return candidate
    return None


@dataclass(frozen=True)
class PublishBase:
    """What a new release is published over: the release `latest` points to when valid, else the newest
    valid one (`repairs` then names the corrupt `latest` and why), or none at all."""

    path: Path | None
    repairs: str | None = None  # "<id>: <problems>" when `latest` is corrupt or incomplete
    latest_valid: bool = True

    @classmethod
    def of(cls, out_dir: Path) -> PublishBase:
        latest, link = latest_release(out_dir), Path(out_dir) / LATEST
        if latest is not None:
            problems = verify_release(latest)
            name = latest.name
        else:  # no link (a first build), or a link to a release that is gone
            problems = [f"`latest` points at {os.readlink(link)}, which is missing"] if link.is_symlink() else []
            name = LATEST
        base = newest_valid_release(out_dir, problems if latest is not None else None)
        if not problems:
            return cls(base)
        return cls(base, f"{name}: {'; '.join(problems[:3])}", latest_valid=False)


@dataclass(frozen=True)
class ReleaseSummary:
    """One release directory as `ingest releases` shows it."""

    release_id: str
    path: Path
    created_at: str | None
    counts: dict[str, int]
    changes: dict[str, dict[str, int]] | None  # manifest's per-dataset change summary, when present
    previous_release: str | None
    is_latest: bool
    problems: list[str] = field(default_factory=list)  # [] when valid (or not verified)

    @property
    def valid(self) -> bool:
        return not self.problems


def list_releases(out_dir: Path, verify: bool = True) -> list[ReleaseSummary]:
    """Every release under out_dir, oldest first, checked against its manifest's checksums."""
    latest = latest_release(out_dir)
    out = []
    for path in release_dirs(out_dir):
        try:
            manifest = read_manifest(path)
        except (OSError, ValueError):
            manifest, problems = {}, verify_release(path)
        else:
            problems = verify_release(path) if verify else []
        out.append(ReleaseSummary(
            release_id=path.name, path=path, created_at=manifest.get("created_at"),
            counts=dict(manifest.get("counts") or {}), changes=manifest.get("changes"),
            previous_release=manifest.get("previous_release"),
            is_latest=latest is not None and path.resolve() == latest, problems=problems))
    return out


# --------------------------------------------------------------------------- writing


def write_file(path: Path, data: bytes | Iterable[bytes]) -> dict:
    """Write one file of a release being assembled (in its temporary folder: the folder's rename is
    what publishes it) and fsync it; return its manifest entry {sha256, bytes}. `data`: the file's bytes,
    or its lines without their newline, streamed (a file that need not fit in memory)."""
    faults.checkpoint(f"write.before:{path.name}")
    half = len(data) // 2 if isinstance(data, bytes) else 0
    chunks = (data[:half], data[half:]) if isinstance(data, bytes) else (line + b"\n" for line in data)
    digest, size, mid = hashlib.sha256(), 0, faults.armed()  # crash tests only: a kill point after the first part
    with open(path, "wb") as fh:
        for n, chunk in enumerate(chunks):
            if n == 1 and mid:
                fh.flush()
                faults.checkpoint(f"write.mid:{path.name}")
                mid = False
            fh.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        if mid:  # fewer than two parts
            fh.flush()
            faults.checkpoint(f"write.mid:{path.name}")
        fh.flush()
        os.fsync(fh.fileno())
    faults.checkpoint(f"write.after:{path.name}")
    return {"sha256": digest.hexdigest(), "bytes": size}


def move_file(staged, path: Path) -> dict:
    """Move a file already written and fsynced (ingest.jsonl.RecordsFile: a dataset the build merged)
    into the release being assembled; return its manifest entry {sha256, bytes}."""
    faults.checkpoint(f"write.before:{path.name}")
    shutil.move(staged.path, path)  # a rename on one filesystem
    faults.checkpoint(f"write.after:{path.name}")
    return {"sha256": staged.sha256, "bytes": staged.size}


def switch_latest(out_dir: Path, release_dir: Path) -> None:
    """Point out_dir/latest at release_dir in one atomic rename."""
    link_tmp = Path(out_dir) / f"{TMP_PREFIX}latest-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(Path(RELEASES) / release_dir.name, link_tmp)
    faults.checkpoint("latest.link")
    os.replace(link_tmp, Path(out_dir) / LATEST)
    faults.checkpoint("latest.switched")
    fsync_dir(Path(out_dir))
