"""Prefect artifacts of a build: a markdown summary and a table of the biggest changes."""

from __future__ import annotations

import json
from pathlib import Path

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from ingest.card import schema_section

MAX_CHANGE_ROWS = 25


def summary_markdown(summary: dict, manifest: dict | None) -> str:
    """Counts per dataset, quarantine by reason, duplicates, code conflicts, time per stage."""
    lines = [f"# ingest build: release `{summary['release_id']}`",
             "", "published" if summary["published"] else "**unchanged**: nothing new was published", "",
             "| dataset | records |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in summary["records"].items()]
    lines += ["", f"**pages read:** {summary['pages']}", "", "| quarantine reason | pages |", "|---|---|"]
    lines += [f"| {reason} | {count} |" for reason, count in summary["quarantined"].items()] or ["| (none) | 0 |"]
    lines += ["", "| duplicate clusters | count |", "|---|---|"]
    lines += [f"| {level} | {count} |" for level, count in summary.get("duplicate_clusters", {}).items()] or ["| (none) | 0 |"]
    lines += ["", "| quality | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in summary.get("quality", [])]
    lines += ["", "| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.2f} |" for k, v in summary["stage_seconds"].items()]
    drift = (manifest or {}).get("drift") or []
    if drift:
        lines += ["", "## Layout drift", "", "| site | field | previous | current |", "|---|---|---|---|"]
        lines += [f"| {d['site']} | {d['field']} | {d['previous']:.0%} | {d['current']:.0%} |" for d in drift]
    evolution = (manifest or {}).get("schema_evolution")
    if evolution:  # the schema verdict, as the dataset card words it
        lines += ["", schema_section(evolution).rstrip()]
    return "\n".join(lines)


def biggest_changes(release: Path) -> list[dict]:
    """Changed records with the most changed fields, then added/removed ones."""
    path = release / "changes.jsonl"
    if not path.exists():
        return []
    rows = []
    with path.open("rb") as fh:
        for line in fh:
            change = json.loads(line)
            fields = sorted(change.get("fields") or {})
            rows.append({"dataset": change["dataset"], "id": change["id"], "change": change["change"],
                         "fields changed": len(fields), "fields": ", ".join(fields[:8])})
    rows.sort(key=lambda r: (-r["fields changed"], r["change"], r["dataset"], r["id"]))
    return rows[:MAX_CHANGE_ROWS]


def publish_artifacts(summary: dict) -> None:
    """Create the run's artifacts (visible in the Prefect UI)."""
    release = Path(summary["release_path"])
    manifest = json.loads((release / "manifest.json").read_text()) if (release / "manifest.json").exists() else None
    create_markdown_artifact(key="ingest-build-summary", markdown=summary_markdown(summary, manifest),
                             description="Counts, quarantine, duplicates, code conflicts and timings of this build")
    rows = biggest_changes(release)
    if rows:
        create_table_artifact(key="ingest-biggest-changes", table=rows,
                              description="Records that changed most against the previous release")
