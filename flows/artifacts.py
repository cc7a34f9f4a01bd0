"""Prefect artifacts of a build: a markdown summary and a table of the biggest changes.

Everything comes from the build's summary, which carries what publish had in memory
(drift, schema verdict, biggest changes): nothing is read back from the release.
"""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from ingest.release.card import schema_section

FIELDS_SHOWN = 8  # changed field names listed per row


def summary_markdown(summary: dict, manifest: dict | None = None) -> str:
    """Counts per dataset, quarantine by reason, duplicates, code conflicts, time per stage
    (drift and the schema verdict from `manifest`; by default the summary, which carries them)."""
    manifest = summary if manifest is None else manifest
    lines = [f"# ingest build: release `{summary['release_id']}`",
             "", "published" if summary["published"] else "**unchanged**: nothing new was published", "",
             "| dataset | records |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in summary["records"].items()]
    superseded = (f" (+ {summary['superseded']} superseded versions of scraped URLs, kept in the raw store, not built)"
                  if summary.get("superseded") else "")
    lines += ["", f"**pages read:** {summary['pages']}{superseded}", "", "| quarantine reason | pages |", "|---|---|"]
    lines += [f"| {reason} | {count} |" for reason, count in summary["quarantined"].items()] or ["| (none) | 0 |"]
    lines += ["", "| duplicate clusters | count |", "|---|---|"]
    lines += [f"| {level} | {count} |" for level, count in summary.get("duplicate_clusters", {}).items()] or ["| (none) | 0 |"]
    lines += ["", "| quality | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in summary.get("quality", [])]
    lines += ["", "| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in summary["stage_seconds"].items()]
    drift = manifest.get("drift") or []
    if drift:
        lines += ["", "## Layout drift", "", "| site | field | previous | current |", "|---|---|---|---|"]
        lines += [f"| {d['site']} | {d['field']} | {d['previous']:.0%} | {d['current']:.0%} |" for d in drift]
    evolution = manifest.get("schema_evolution")
    if evolution:  # the schema verdict, as the dataset card words it
        lines += ["", schema_section(evolution).rstrip()]
    return "\n".join(lines)


def change_rows(changes: list[dict]) -> list[dict]:
    """Table rows of ReleaseDiff.largest() entries: dataset, id, change, fields changed, their names."""
    return [{"dataset": c["dataset"], "id": c["id"], "change": c["change"], "fields changed": len(c["fields"]),
             "fields": ", ".join(c["fields"][:FIELDS_SHOWN])} for c in changes]


def publish_artifacts(summary: dict) -> None:
    """Create the run's artifacts (visible in the Prefect UI)."""
    create_markdown_artifact(key="ingest-build-summary", markdown=summary_markdown(summary),
                             description="Counts, quarantine, duplicates, code conflicts and timings of this build")
    rows = change_rows(summary.get("biggest_changes") or [])
    if rows:
        create_table_artifact(key="ingest-biggest-changes", table=rows,
                              description="Records that changed most against the previous release")
