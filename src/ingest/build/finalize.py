"""Finish a build: assemble page results into datasets and publish the release."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ingest import faults
from ingest.assemble import assemble
from ingest.pipeline import PageResult
from ingest.release.layout import latest_release
from ingest.release.publish import jsonl_bytes, publish_release
from ingest.quality import headline, layout_drift, quality_report, site_coverage


@dataclass
class BuildSummary:
    """What a build did, for the CLI, the flow's return value and artifacts."""

    pages: int
    records: dict[str, int]
    quarantined: dict[str, int]
    duplicate_clusters: dict[str, int]
    release_id: str
    release_path: str
    published: bool
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    quality: list[tuple[str, str]] = field(default_factory=list)
    superseded: int = 0  # older versions of scraped URLs in the raw store, left out (snapshot semantics)
    # what publish had in memory, for the run's artifacts (nothing is read back from the release)
    drift: list[dict] = field(default_factory=list)  # manifest.json's `drift`
    schema_evolution: dict | None = None  # manifest.json's `schema_evolution`
    biggest_changes: list[dict] = field(default_factory=list)  # ReleaseDiff.largest(): none when nothing was published

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class DriftError(RuntimeError):
    """A site's layout drifted (field coverage dropped) and the build was strict: nothing published."""


def _previous_sites(out_dir: Path) -> dict | None:
    latest = latest_release(out_dir)
    if latest is None or not (latest / "quality.json").exists():
        return None
    try:
        return orjson.loads((latest / "quality.json").read_bytes()).get("sites")
    except (OSError, ValueError):
        return None


def finalize(results: Sequence[PageResult], out_dir: Path, force: bool = False,
             stage_seconds: dict[str, float] | None = None, dedup_threshold: float = 0.8,
             inputs: dict | None = None, build: dict | None = None,
             drift_margin: float = 0.2, strict: bool = False) -> BuildSummary:
    """Assemble results and publish them as a release under out_dir (`inputs`: the input
    fingerprint {pages, digest}; `build`: what besides inputs shaped it; both go in the manifest)."""
    timings = dict(stage_seconds or {})
    started = time.perf_counter()
    faults.checkpoint("assemble")
    assembly = assemble(results, dedup_threshold=dedup_threshold)
    faults.checkpoint("assemble.done")
    timings["assemble"] = time.perf_counter() - started
    started = time.perf_counter()
    quality = quality_report(assembly.datasets, assembly.quarantine)
    quality["sites"] = site_coverage(assembly.datasets)
    drift = layout_drift(_previous_sites(Path(out_dir)), quality["sites"], drift_margin)
    quality["drift"] = drift
    superseded = int((inputs or {}).get("superseded", 0))
    quality["superseded_versions"] = superseded
    if drift and strict:
        worst = max(drift, key=lambda d: d["drop"])
        raise DriftError(f"layout drift on {len(drift)} site field(s), e.g. {worst['site']} {worst['field']} "
                         f"{worst['previous']:.0%} -> {worst['current']:.0%}; nothing published (--strict)")
    quarantined = dict(sorted(Counter(q["reason"] for q in assembly.quarantine).items()))
    clusters = dict(sorted(Counter(c["level"] for c in assembly.duplicates).items()))
    extra = {"stats": assembly.stats, "quarantined": quarantined, "duplicate_clusters": clusters,
             "stage_seconds": {k: round(v, 3) for k, v in timings.items()}, "quality_headline": headline(quality),
             "drift": drift}
    extra.update({k: v for k, v in (("inputs", inputs), ("build", build)) if v is not None})
    info = publish_release(out_dir, assembly.datasets, assembly.quarantine, assembly.pages, force=force,
                           extra=extra,
                           extra_files={"quality.json": orjson.dumps(quality, option=orjson.OPT_INDENT_2),
                                        "duplicates.jsonl": jsonl_bytes(assembly.duplicates)})
    timings["publish"] = time.perf_counter() - started
    return BuildSummary(
        pages=len(assembly.pages),
        records={name: len(recs) for name, recs in sorted(assembly.datasets.items())},
        quarantined=quarantined,
        duplicate_clusters=clusters,
        release_id=info.release_id,
        release_path=str(info.path),
        published=info.published,
        stage_seconds={k: round(v, 3) for k, v in timings.items()},
        stats=assembly.stats,
        quality=headline(quality) + ([("layout drift", f"{len(drift)} site field(s) dropped > {drift_margin:.0%}")]
                                     if drift else []),
        superseded=superseded,
        drift=info.manifest.get("drift") or [],
        schema_evolution=info.manifest.get("schema_evolution"),
        biggest_changes=info.changes.largest() if info.changes is not None else [],
    )


def summary_from_manifest(manifest: dict, release_path: Path, stage_seconds: dict[str, float]) -> BuildSummary:
    """The summary of a build that found nothing new: the latest release, unchanged."""
    counts = dict(manifest.get("counts", {}))
    counts.pop("quarantine", None)
    return BuildSummary(
        pages=manifest.get("inputs", {}).get("pages", 0),
        records=dict(sorted(counts.items())),
        quarantined=manifest.get("quarantined", {}),
        duplicate_clusters=manifest.get("duplicate_clusters", {}),
        release_id=manifest["release_id"],
        release_path=str(release_path),
        published=False,
        stage_seconds={k: round(v, 3) for k, v in stage_seconds.items()},
        stats={"unchanged": 1},
        quality=[tuple(x) for x in manifest.get("quality_headline", [])],
        superseded=int(manifest.get("inputs", {}).get("superseded", 0)),
        drift=manifest.get("drift") or [],
        schema_evolution=manifest.get("schema_evolution"),
    )
