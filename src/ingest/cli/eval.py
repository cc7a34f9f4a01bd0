"""`ingest eval`: score extraction on labelled real pages, and gate on pinned floors.

`register(app)` adds the command to a typer app (ingest.cli wires it in).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from ingest.evaluate import EvalReport, Metrics, below_floors, evaluate, load_floors, load_truth
from ingest.settings import BuildSettings

console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `eval` command to app."""
    app.command("eval")(eval_command)


def eval_command(
    raw: Annotated[Path, typer.Option(help="Folder of the labelled pages (read like `ingest build --raw`).")],
    truth: Annotated[Path, typer.Option(help="truth.json: page file name -> hand-made truth.")],
    floors: Annotated[Path | None, typer.Option(help="TOML of `metric = minimum`; exit 1 when a metric is below.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the whole report (every page) as JSON here.")] = None,
    worst: Annotated[int, typer.Option(min=0, help="How many of the worst pages to list.")] = 10,
    per_site: Annotated[bool, typer.Option("--per-site/--no-per-site", help="Show the per-site table.")] = True,
    page_time_limit: Annotated[float | None, typer.Option(help="Seconds one page may take (as in `ingest build`; default: its default).")] = None,
) -> None:
    """Score extraction on labelled pages: page type, items per section, summary; per site and overall.

    Every page runs through the per-page stage of `ingest build` (in this process).
    """
    if not raw.is_dir():
        _fail(f"raw folder not found: {raw}")
    try:
        truth_data = load_truth(truth)
        floor_values = load_floors(floors) if floors else {}
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    report = evaluate(raw, truth_data, BuildSettings.from_given({"workers": 0, "page_time_limit": page_time_limit}))
    if json_out:
        json_out.write_bytes(orjson.dumps(report.as_dict(worst), option=orjson.OPT_INDENT_2))
    _print(report, worst, per_site)
    failures = below_floors(report.overall, floor_values)
    for line in failures:
        err.print(f"[bold red]below floor:[/] {line}")
    if failures:
        raise typer.Exit(1)
    if floor_values:
        console.print(f"every floor holds ({len(floor_values)} metrics, {floors})")


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _metric_row(name: str, m: Metrics) -> list[str]:
    return [name, str(m.pages), str(m.procedures), _num(m.page_precision), _num(m.page_recall),
            _num(m.item_f1_macro), _num(m.item_f1_micro), _num(m.summary_f1), _num(m.title_exact),
            str(m.spurious_sections)]


def _print(report: EvalReport, worst: int, per_site: bool) -> None:
    table = Table(title="extraction against truth", title_justify="left")
    for col in ("site", "pages", "proc", "type P", "type R", "item F1 macro", "item F1 micro", "summary F1",
                "title exact", "spurious"):
        table.add_column(col, justify="left" if col == "site" else "right")
    if per_site:
        for site, metrics in sorted(report.per_site.items()):
            table.add_row(*_metric_row(site, metrics))
        table.add_section()
    table.add_row(*_metric_row("overall", report.overall), style="bold")
    console.print(table)
    if report.missing:
        console.print(f"[yellow]{len(report.missing)} labelled page(s) not found under --raw:[/] "
                      + ", ".join(report.missing[:5]))
    if report.unlabelled:
        console.print(f"{len(report.unlabelled)} page(s) under --raw have no truth entry (not scored)")
    bad = report.worst(worst)
    if bad:
        console.print("[bold]worst pages[/]")
        for page in bad:
            console.print(f"  {page.score:.2f}  {page.name}", highlight=False)
            for problem in page.problems()[:6]:
                console.print(f"        {problem}", highlight=False, soft_wrap=True)
    m = report.overall
    console.print(f"overall: page precision {_num(m.page_precision, 4)}  recall {_num(m.page_recall, 4)}  "
                  f"item F1 macro {_num(m.item_f1_macro, 4)} (micro {_num(m.item_f1_micro, 4)}, "
                  f"P {_num(m.item_precision_micro, 4)}, R {_num(m.item_recall_micro, 4)}) over "
                  f"{m.labelled_sections} labelled sections  summary F1 {_num(m.summary_f1, 4)}  "
                  f"title exact {_num(m.title_exact, 4)}", highlight=False)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)
