"""`ingest scrape` as a typer command; every ScrapeConfig field is a flag (generated, never listed twice)."""

from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
from typing import Any, Optional

import typer
from pydantic.fields import FieldInfo
from rich.console import Console
from rich.table import Table

from .config import ConfigError, ScrapeConfig, load_config
from .crawl import ScrapeReport, scrape
from .store import StoreBusy


def _flag_type(field: FieldInfo) -> Any:
    ann = field.annotation
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        ann = next(a for a in typing.get_args(ann) if a is not type(None))
    return Optional[list[str]] if typing.get_origin(ann) is list else Optional[ann]


def _option(name: str, field: FieldInfo) -> inspect.Parameter:
    flag = "--" + name.replace("_", "-")
    annotation = _flag_type(field)
    decls = [f"{flag}/--no-{flag[2:]}"] if annotation == Optional[bool] else [flag]
    default = field.get_default(call_default_factory=True)
    shown = "none" if default is None or default == [] else default
    if isinstance(shown, list):
        shown = ", ".join(map(str, shown))
    help_text = f"{field.description} [default: {shown}]"
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=annotation,
        default=typer.Option(
            None,
            *decls,
            help=help_text,
            show_default=False,
            metavar="TEXT" if annotation == Optional[list[str]] else None,
        ),
    )


def print_report(report: ScrapeReport, console: Console) -> None:
    """Rich summary table of a crawl."""
    table = Table(title=f"scrape run {report.run_id}" + (" (resumed)" if report.resumed else ""))
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for label, value in (
        ("fetched", report.fetched),
        ("not modified (304)", report.not_modified),
        ("gone (404/410)", report.gone),
        ("sitemaps read", report.sitemaps),
    ):
        table.add_row(label, str(value))
    for kind, counts in (("failed", report.failed), ("skipped", report.skipped)):
        for cause, n in sorted(counts.items()):
            table.add_row(f"{kind}: {cause}", str(n))
    table.add_row("bytes stored", f"{report.bytes:,}")
    table.add_row("requests (this invocation)", str(report.requests))
    table.add_row("elapsed (this invocation)", f"{report.elapsed:.1f} s")
    console.print(table)


def scrape_command(**options: Any) -> None:
    """Fetch a site politely into the raw store (resumes an unfinished run)."""
    config_path: Path | None = options.pop("config", None)
    overrides = {k: v for k, v in options.items() if v not in (None, [], ())}
    try:
        config = load_config(config_path, **overrides)
        config.seed_urls()  # an unreadable --urls file is a config error, not a crawl failure
        config.ssl_context()  # so is an unreadable or certificate-less --ca-bundle
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        report = scrape(config)
    except StoreBusy as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:  # e.g. an unwritable raw directory
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    print_report(report, Console())


scrape_command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            "config",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Optional[Path],
            default=typer.Option(None, "--config", help="TOML file with these settings (flags override it)."),
        )
    ]
    + [_option(name, field) for name, field in ScrapeConfig.model_fields.items()]
)


def register(app: typer.Typer) -> None:
    """Add the `scrape` command to a typer app."""
    app.command("scrape")(scrape_command)
