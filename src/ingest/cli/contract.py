"""`ingest schema diff A B` and `ingest export RELEASE`: the data contract on the command line.

`register(app)` adds both to a typer app (wired into ingest.cli.main like cli/releases.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ingest.cli.releases import DEFAULT_OUT, _echo_json, _fail
from ingest.release.layout import LATEST, MANIFEST, ReleaseNotFound, resolve_release

schema_app = typer.Typer(help="The datasets' JSON Schemas across releases.", no_args_is_help=True)
VERDICT_STYLE = {"identical": "green", "compatible": "cyan", "breaking": "bold red"}


def register(app: typer.Typer) -> None:
    """Add `schema diff` and `export` to app."""
    app.add_typer(schema_app, name="schema")
    app.command("export")(export)


def release_dir(ref: str, out: Path) -> Path:
    """A release named by a folder path (one holding manifest.json) or by a reference inside `out`."""
    path = Path(ref)
    if (path / MANIFEST).is_file():
        return path.resolve()
    if path.is_dir() and (path / LATEST).exists():  # an output folder: its latest release
        return resolve_release(path, "latest")
    return resolve_release(out, ref)


@schema_app.command("diff")
def schema_diff(
    old: Annotated[str, typer.Argument(help="Older release: id, unique id prefix, `latest`, `previous` or a folder.")],
    new: Annotated[str, typer.Argument(help="Newer release: id, unique id prefix, `latest`, `previous` or a folder.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder holding releases/ (for ids).")] = DEFAULT_OUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Field-level schema differences between two releases, each judged compatible or breaking."""
    from ingest.release.contract import release_version
    from ingest.release.schema_diff import diff_schemas, read_schemas

    try:
        old_dir, new_dir = release_dir(old, out), release_dir(new, out)
        versions = release_version(old_dir), release_version(new_dir)
    except (ReleaseNotFound, OSError, ValueError) as exc:
        _fail(str(exc))
    result = diff_schemas(read_schemas(old_dir), read_schemas(new_dir))
    if as_json:
        _echo_json({"old": old_dir.name, "new": new_dir.name, "old_version": versions[0],
                    "new_version": versions[1], **result.to_json()})
        return
    console = Console()
    console.print(Text.assemble("schema ", (old_dir.name, "bold"), f" ({versions[0]}) → ", (new_dir.name, "bold"),
                                f" ({versions[1]}): ", (result.verdict, VERDICT_STYLE[result.verdict])))
    if not result.changes:
        return
    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("field", "change", ""):
        table.add_column(column)
    for change in result.changes:
        table.add_row(Text(change.where), Text(change.message),  # Text: no markup ("list[string]" stays)
                      Text("breaking", "bold red") if change.breaking else Text("compatible", "cyan"))
    console.print(table)


def export(
    release: Annotated[str, typer.Argument(help="Release: id, unique id prefix, `latest`, `previous` or a folder.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write <dataset>.parquet files into.")],
    fmt: Annotated[str, typer.Option("--format", help="Output format.")] = "parquet",
    source: Annotated[Path, typer.Option("--from", help="Output folder holding releases/ (for ids).")] = DEFAULT_OUT,
    batch_rows: Annotated[int, typer.Option(min=1, help="Records per row batch (memory grows with it).")] = 2000,
) -> None:
    r"""Write a release's datasets as Parquet files typed from its JSON Schemas (needs pip install 'ingest\[parquet]')."""
    from ingest.release.export import ExportError, export_release

    try:
        written = export_release(release_dir(release, source), out, fmt, batch_rows=batch_rows)
    except (ReleaseNotFound, ExportError, OSError) as exc:
        _fail(str(exc))
    table = Table(show_edge=False, box=None, pad_edge=False)
    for column, justify in (("dataset", "left"), ("rows", "right"), ("bytes", "right"), ("file", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for f in written:
        table.add_row(f.dataset, f"{f.rows:,}", f"{f.bytes:,}", Text(str(f.path)))
    Console().print(table)
