"""`ingest report`: the path of a release's report.html, rendering it when missing.

`register(app)` adds the command to a typer app (ingest.cli.main registers it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from ingest.release.layout import REPORT, ReleaseNotFound, read_manifest, resolve_release
from ingest.release.report import render_report, write_report

DEFAULT_OUT = Path("normalized")


def register(app: typer.Typer) -> None:
    """Add the `report` command to app."""
    app.command("report")(report)


def report(
    release: Annotated[str, typer.Argument(help="Release: id, unique id prefix, `latest` or `previous`.")] = "latest",
    out: Annotated[Path, typer.Option("--out", help="Output folder holding releases/ and the `latest` link.")] = DEFAULT_OUT,
    write: Annotated[bool, typer.Option("--write", help="Render report.html again even if the release has one.")] = False,
) -> None:
    """Print the path of a release's report.html (a self-contained page: open it in a browser).

    A release without one (published before reports existed) gets it rendered on the spot.
    """
    try:
        release_dir = resolve_release(out, release)
    except ReleaseNotFound as exc:
        _fail(str(exc))
    path = release_dir / REPORT
    if write and path.is_file() and _changes_checksummed_report(release_dir):
        _fail(f"{path} is one of the release's checksummed files (manifest.json) and this version of ingest "
              "renders it differently: rewriting it would make the release fail verification; open the existing one")
    if write or not path.is_file():
        try:
            path = write_report(release_dir)
        except (OSError, ValueError) as exc:
            _fail(f"cannot write {path}: {exc}")
    typer.echo(str(path))


def _changes_checksummed_report(release_dir: Path) -> bool:
    """True when the manifest lists report.html and rendering it now gives other bytes."""
    try:
        listed = (read_manifest(release_dir).get("files") or {}).get(REPORT)
    except (OSError, ValueError):
        return False
    if not isinstance(listed, dict) or not listed.get("sha256"):
        return False
    return hashlib.sha256(render_report(release_dir).encode("utf-8")).hexdigest() != listed["sha256"]


def _fail(message: str) -> None:
    Console(stderr=True).print(Text.assemble(("error: ", "bold red"), message))
    raise typer.Exit(1)
