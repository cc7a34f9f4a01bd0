"""The `ingest` command line: build, and the commands later issues add."""

from __future__ import annotations

import inspect
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ingest.cli.supervise import fail as _fail
from ingest.cli.supervise import run_flow, supervised
from ingest.interrupts import Interrupted
from ingest.settings import DEFAULT_OUT, DEFAULT_RAW, BuildSettings, given_settings

app = typer.Typer(help="Raw medical-procedure pages -> validated, deduplicated, versioned JSONL datasets.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=False)
err = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Raw medical-procedure pages -> validated, deduplicated, versioned JSONL datasets."""


def _check_settings(values: dict[str, Any]) -> BuildSettings:
    """The settings given on the command line; fails with one line naming the option when a value is
    out of range (BuildSettings holds the ranges)."""
    from pydantic import ValidationError

    try:
        return BuildSettings.from_given(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"--{str(first['loc'][0]).replace('_', '-')}: {first['msg'].lower()} (got {first['input']})")


def _setting_option(name: str) -> inspect.Parameter:
    """A keyword-only typer option for one BuildSettings field: its description, default and type."""
    field = BuildSettings.model_fields[name]
    flag = "--" + name.replace("_", "-")
    decls = [f"{flag}/--no-{flag[2:]}"] if field.annotation is bool else [flag]
    default = field.get_default(call_default_factory=True)
    shown = f"{default} on this machine" if field.default_factory is not None else default
    help_text = f"{field.description} " + escape(f"[default: {shown}]")  # rich would take [..] for markup
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Optional[field.annotation],
                             default=typer.Option(None, *decls, help=help_text, show_default=False))


def with_settings_options(command: Callable) -> Callable:
    """Give command (which takes **settings) one option per BuildSettings field, after its own options."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
           if p.kind != inspect.Parameter.VAR_KEYWORD]
    command.__signature__ = inspect.Signature(own + [_setting_option(n) for n in BuildSettings.model_fields])
    return command


def _local_scheduler(address: str) -> bool:
    """Whether a dask scheduler address names this machine (its workers can reach 127.0.0.1 here)."""
    from urllib.parse import urlsplit

    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


@app.command()
@with_settings_options
def build(
    raw: Annotated[Path, typer.Option(help="Folder of raw pages (.html, .htm, .txt), read recursively.")] = Path(DEFAULT_RAW),
    out: Annotated[Path, typer.Option(help="Output folder: releases/ and the `latest` link go here.")] = Path(DEFAULT_OUT),
    force: Annotated[bool, typer.Option("--force", help="Ignore caches: re-extract every page and publish a new release.")] = False,
    dask: Annotated[str | None, typer.Option(envvar="INGEST_DASK_ADDRESS", help="Run batches on a dask.distributed cluster, e.g. tcp://scheduler:8786 (needs a Prefect server: PREFECT_API_URL).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
    **settings: Any,
) -> None:
    """Run the Prefect flow `build`: extract every raw page, publish a release, print a summary.

    Exit codes: 0 published or unchanged, 1 failed, 2 --raw/--out refused, 3 publish refused by a gate,
    4 storage failure (disk full, permission denied), 75 --out locked by another build or gc, 130/143
    stopped by SIGINT/SIGTERM, nothing published: README, "When things go wrong"."""
    from ingest.assembly.gates import check_paths
    from ingest.errors import RunError

    if not raw.exists():
        _fail(f"raw folder not found: {raw} (is the volume mounted?)", 2)
    checked = _check_settings(settings)
    settings = given_settings(settings)
    started = time.perf_counter()
    try:
        check_paths(raw, out)  # before the lock: a read-only or misplaced --out gets its own line
    except RunError as exc:
        _fail(str(exc), exc.exit_code)
    with supervised(out, "build", wait=checked.wait, quiet=not verbose):  # the output's lock, SIGINT/SIGTERM: one line and an exit code
        _build_supervised(raw, out, force, dask, verbose, checked, settings, started)


def _build_supervised(raw: Path, out: Path, force: bool, dask: str | None, verbose: bool, checked: BuildSettings,
                      settings: dict[str, Any], started: float) -> None:
    from ingest.errors import RunError, storage_failure

    try:
        _check_contract(out)
        unchanged = None if force else _unchanged(raw, out, checked)
    except RunError as exc:
        _fail(str(exc), exc.exit_code)
    if unchanged is not None:
        _print_summary(unchanged.as_dict(), time.perf_counter() - started)
        return
    from flows import prefect_env

    prefect_env.apply(quiet=not verbose)
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.build import build as build_flow
    from flows.ephemeral import temporary_server_gone
    from flows.runners import task_runner
    from ingest import progress

    if dask:
        if not os.environ.get("PREFECT_API_URL") and not _local_scheduler(dask):
            console.print("[yellow]warning:[/] --dask without PREFECT_API_URL: the flow's temporary Prefect server "
                          "listens on 127.0.0.1, which workers on other machines cannot reach (see docs/distributed.md)")
        build_flow = build_flow.with_options(task_runner=task_runner(dask))
        settings.setdefault("workers", 0)  # each Dask worker extracts in its own process

    show_bar = console.is_terminal and not verbose
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not show_bar) as bar:
        task_id = bar.add_task("starting Prefect", total=None)

        def hook(stage: str, advance: int, total: int | None) -> None:
            bar.update(task_id, description=stage, advance=advance, **({"total": total} if total is not None else {}))

        progress.set_hook(hook)
        try:
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                summary = run_flow(lambda: build_flow(raw=str(raw), out=str(out), force=force, **settings),
                                   server_gone=temporary_server_gone)
        except Interrupted:
            raise  # supervised() says it in one line
        except RunError as exc:  # a refusal or a storage failure: its own one line
            _fail(str(exc), exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - one line for the user, details with --verbose
            if (failure := storage_failure(exc, str(out))) is not None:
                _fail(str(failure), failure.exit_code)
            _fail(f"build failed, nothing published: {type(exc).__name__}: {exc}")
        finally:
            progress.set_hook(None)
    _print_summary(summary, time.perf_counter() - started)


def _check_contract(out: Path) -> None:
    """Refuse before extracting anything when the models break the latest release's schema (publish
    would refuse too, after the whole extraction): one line per broken field."""
    from ingest.release.contract import SchemaContractError, evolve, model_schemas
    from ingest.release.layout import latest_release

    try:
        evolve(latest_release(out), model_schemas())
    except SchemaContractError as exc:
        _fail(str(exc), exc.exit_code)


def _unchanged(raw: Path, out: Path, settings: BuildSettings):
    """The latest release's summary when inputs and settings are unchanged (the library's steps, no Prefect start-up)."""
    from ingest.assembly import run

    started = time.perf_counter()
    fp = run.discover(raw, out)
    return run.unchanged(out, fp, settings, {"discover": time.perf_counter() - started})


def _print_summary(summary: dict, elapsed: float) -> None:
    table = Table(title="ingest build", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("pages read", str(summary["pages"]))
    if summary.get("superseded"):
        table.add_row("superseded versions", f"{summary['superseded']} (older versions of scraped URLs: kept in the raw store, not built)")
    if summary.get("duplicate_clusters"):
        table.add_row("duplicate clusters", ", ".join(f"{k} {v}" for k, v in summary["duplicate_clusters"].items()))
    for name, count in summary["records"].items():
        table.add_row(f"records: {name}", str(count))
    quarantined = sum(summary["quarantined"].values())
    table.add_row("quarantined", str(quarantined))
    for reason, count in summary["quarantined"].items():
        table.add_row(f"  {reason}", str(count))
    if (batches := summary.get("batches") or {}).get("reused"):
        table.add_row("batches", f"{batches['extracted']} extracted, {batches['reused']} reused (parts of an "
                                 "interrupted build)")
    for label, value in summary.get("quality", []):
        table.add_row(label, value)
    if summary.get("repairs"):
        table.add_row("repaired", f"`latest` was corrupt ({summary['repairs']}): this release replaces it")
    state = "published" if summary["published"] else "unchanged: inputs and settings as in the latest release, nothing published (--force rebuilds)"
    table.add_row("release", f"{summary['release_id']} ({state})")
    table.add_row("path", summary["release_path"])
    table.add_row("elapsed", f"{elapsed:.1f} s  (" + ", ".join(f"{k} {v:.1f} s" for k, v in summary["stage_seconds"].items()) + ")")
    console.print(table)


@app.command()
@with_settings_options
def serve(
    cron: Annotated[str, typer.Option(help="Cron schedule, e.g. '0 3 * * *' (03:00 every day).")] = "0 3 * * *",
    raw: Annotated[Path, typer.Option(help="Folder of raw pages.")] = Path(DEFAULT_RAW),
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path(DEFAULT_OUT),
    name: Annotated[str, typer.Option(help="Deployment name.")] = "scheduled-build",
    schedule_check: Annotated[float, typer.Option(help="Seconds to wait for the server to schedule a run before warning that schedules are not being created (0 = no check).")] = 60.0,
    **settings: Any,
) -> None:
    """Serve the build flow on a schedule (a Prefect runner; needs a Prefect server for schedules).

    After registering the deployment, a background check warns in one line when the server
    has scheduled no run for it within --schedule-check seconds; serving goes on regardless.
    The build settings given become the deployment's parameters."""
    _check_settings(settings)
    from flows import prefect_env

    prefect_env.apply(quiet=False)
    from flows.serve import serve_build

    if not os.environ.get("PREFECT_API_URL"):
        err.print("note: schedules need a Prefect server; start one with `prefect server start` and set "
                  "PREFECT_API_URL=http://127.0.0.1:4200/api (the ephemeral mode cannot schedule)", soft_wrap=True)
        schedule_check = 0  # nothing would ever be scheduled: the note above says why
    serve_build(name=name, cron=cron, check_seconds=schedule_check,
                say=lambda line: err.print(line, soft_wrap=True, markup=False, highlight=False),
                parameters={"raw": str(raw.resolve()), "out": str(out.resolve()), **given_settings(settings)})


@app.command()
@with_settings_options
def refresh(
    start: Annotated[list[str] | None, typer.Option(help="Start URL(s); links matching --allow are followed.")] = None,
    allow: Annotated[list[str] | None, typer.Option(help="URL glob(s) in scope, e.g. 'https://codes.example/cpt/*'.")] = None,
    sitemap: Annotated[list[str] | None, typer.Option(help="Sitemap or sitemap-index URL(s).")] = None,
    urls: Annotated[Path | None, typer.Option(help="File with one URL per line.")] = None,
    config: Annotated[Path | None, typer.Option(help="Scrape settings file (TOML), see docs/scraping.md.")] = None,
    raw: Annotated[Path, typer.Option(help="Raw store folder.")] = Path(DEFAULT_RAW),
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path(DEFAULT_OUT),
    force: Annotated[bool, typer.Option("--force", help="Ignore caches: re-extract every page and publish a new release.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
    **settings: Any,
) -> None:
    """Scrape, then build, as one Prefect flow (`refresh`)."""
    checked = _check_settings(settings)
    from flows import prefect_env

    prefect_env.apply(quiet=not verbose)
    from flows.ephemeral import temporary_server_gone
    from flows.refresh import refresh as refresh_flow

    started = time.perf_counter()
    with supervised(out, "refresh", wait=checked.wait, quiet=not verbose):
        try:
            result = run_flow(lambda: refresh_flow(
                raw=str(raw), out=str(out), start=start, sitemap=sitemap, allow=allow, urls=str(urls) if urls else None,
                scrape_config=str(config) if config else None, force=force, **given_settings(settings)),
                server_gone=temporary_server_gone)
        except Interrupted:
            raise
        except Exception as exc:  # noqa: BLE001
            from ingest.errors import RunError

            if isinstance(exc, RunError):  # a refusal or a storage failure: its own line and exit code
                _fail(str(exc), exc.exit_code)
            _fail(f"refresh failed: {type(exc).__name__}: {exc}")
    scraped = result["scrape"]
    console.print(f"scraped: {scraped.get('fetched', 0)} fetched, {scraped.get('not_modified', 0)} not modified, "
                  f"{scraped.get('gone', 0)} gone, {sum(scraped.get('failed', {}).values())} failed")
    _print_summary(result["build"], time.perf_counter() - started)


def _register_subcommands() -> None:
    from ingest.cli.contract import register as register_contract
    from ingest.cli.eval import register as register_eval
    from ingest.cli.releases import register as register_releases
    from ingest.cli.report import register as register_report
    from ingest.scrape.cli import register as register_scrape

    for register in (register_scrape, register_releases, register_report, register_contract, register_eval):
        register(app)


_register_subcommands()


def main() -> None:  # pragma: no cover - console script entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
