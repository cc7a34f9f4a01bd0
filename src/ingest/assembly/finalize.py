"""Finish a build: merge the batches' parts into datasets and publish the release."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ingest.assembly.assemble import assemble_parts
from ingest.assembly.gates import check_failures, check_shrink, kept
from ingest.assembly.incremental import Fingerprint, build_key, fingerprint, listing_path
from ingest.assembly.parts import BatchParts, remove_staging, staging_root, storage_errors, write_parts
from ingest.assembly.quality import headline, layout_drift, quality_report, site_coverage
from ingest.page.process import PageResult
from ingest.errors import PublishRefused
from ingest.release.layout import DUPLICATES, QUALITY, PublishBase
from ingest.release.publish import publish_release
from ingest.settings import BuildSettings


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
    repairs: str | None = None  # the corrupt `latest` this release replaced ("<id>: <problems>")
    batches: dict[str, int] = field(default_factory=dict)  # {"extracted", "reused": found complete in staging}

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class DriftError(PublishRefused):
    """A site's layout drifted (field coverage dropped) and the build was strict: nothing published."""


def _previous_sites(previous: Path | None) -> dict | None:
    if previous is None or not (previous / QUALITY).exists():
        return None
    try:
        return orjson.loads((previous / QUALITY).read_bytes()).get("sites")
    except (OSError, ValueError):
        return None


def finalize(results: Iterable[PageResult], out_dir: Path, settings: BuildSettings | None = None,
             inputs: Fingerprint | None = None, force: bool = False,
             stage_seconds: dict[str, float] | None = None) -> BuildSummary:
    """Publish page results held in memory (tests, small tools): written as one batch's parts, then
    the build's one path (finalize_parts). Without `inputs`, the pages the results came from are
    fingerprinted here, superseded versions unknown."""
    settings = settings or BuildSettings()
    results = list(results)
    if inputs is None:
        inputs = fingerprint([r.ref for r in results if r.ref is not None], listing_path(Path(out_dir)))
    parts = [write_parts(staging_root(Path(out_dir), settings) / "results", results, settings.dedup_threshold)]
    return finalize_parts(parts, out_dir, settings, inputs, force, stage_seconds)


def finalize_parts(parts: Sequence[BatchParts], out_dir: Path, settings: BuildSettings, inputs: Fingerprint,
                   force: bool = False, stage_seconds: dict[str, float] | None = None) -> BuildSummary:
    """Merge the batches' parts and publish them as a release under out_dir; the staging folders are
    removed once the release is published (or found unchanged), kept for a rerun when a gate refuses.

    The manifest records the inputs (discovery's fingerprint) and what besides them shaped the release
    (build_key(settings)): the next build on the same inputs and settings is recognised as unchanged."""
    timings = dict(stage_seconds or {})
    base = PublishBase.of(Path(out_dir))  # the valid release published over (not a corrupt `latest`)
    started = time.perf_counter()
    work = staging_root(Path(out_dir), settings) / "merged"
    with storage_errors(work):
        assembly = assemble_parts(parts, work, settings.dedup_threshold)
    timings["assemble"] = time.perf_counter() - started
    started = time.perf_counter()
    quality = quality_report(assembly.datasets, assembly.quarantine)
    quality["sites"] = site_coverage(assembly.datasets)
    check_failures(assembly.quarantine, assembly.pages, settings, base)
    check_shrink({name: len(recs) for name, recs in assembly.datasets.items()},
                 lambda: {ref.rel_path for ref, _ in inputs.pages() if not ref.gone}, settings, base)  # gone: withdrawn
    drift = layout_drift(_previous_sites(base.path), quality["sites"], settings.drift_margin)
    quality["drift"] = drift
    superseded = inputs.superseded
    quality["superseded_versions"] = superseded
    if drift and settings.strict:
        worst = max(drift, key=lambda d: d["drop"])
        raise DriftError(f"layout drift on {len(drift)} site field(s), e.g. {worst['site']} {worst['field']} "
                         f"{worst['previous']:.0%} -> {worst['current']:.0%}; {kept(base)} (--strict; "
                         "rerun without --strict or with a larger --drift-margin to publish)")
    quarantined = dict(sorted(Counter(q["reason"] for q in assembly.quarantine).items()))
    clusters = dict(sorted(Counter(c["level"] for c in assembly.duplicates).items()))
    extra = {"stats": assembly.stats, "quarantined": quarantined, "duplicate_clusters": clusters,
             "stage_seconds": {k: round(v, 3) for k, v in timings.items()}, "quality_headline": headline(quality),
             "drift": drift, "build": build_key(settings)}
    info = publish_release(out_dir, assembly.datasets, assembly.quarantine, assembly.pages, force=force,
                           inputs=inputs.inputs, extra=extra, base=base,
                           extra_files={QUALITY: orjson.dumps(quality, option=orjson.OPT_INDENT_2),
                                        DUPLICATES: assembly.duplicates})
    remove_staging(Path(out_dir))  # published (or unchanged): the parts are in the release now
    timings["publish"] = time.perf_counter() - started
    return BuildSummary(
        pages=assembly.pages,
        records={name: len(recs) for name, recs in sorted(assembly.datasets.items())},
        quarantined=quarantined,
        duplicate_clusters=clusters,
        release_id=info.release_id,
        release_path=str(info.path),
        published=info.published,
        stage_seconds={k: round(v, 3) for k, v in timings.items()},
        stats=assembly.stats,
        quality=headline(quality) + ([("layout drift", f"{len(drift)} site field(s) dropped > {settings.drift_margin:.0%}")]
                                     if drift else []),
        superseded=superseded,
        drift=info.manifest.get("drift") or [],
        schema_evolution=info.manifest.get("schema_evolution"),
        biggest_changes=info.changes.largest() if info.changes is not None else [],
        repairs=base.repairs if info.published else None,
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
