"""`ingest eval`: score extraction on labelled real pages, and gate on pinned floors.

One or more corpora (`--corpus DIR`, a folder holding pages/ and truth.json; or `--raw` + `--truth`)
are scored as one set of pages keyed by site. `--split FILE --part tune|check` scores only the sites
of one part of the fixed site split; `--summary-only` prints and writes aggregates only (no page,
site, title or heading is named): the `check` part and a fresh batch are read only that way.

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

from ingest.evaluate import PARTS, Corpus, EvalReport, Metrics, below_floors, evaluate_corpora, load_floors, load_truth
from ingest.evaluate.metrics import LANDING_PLACES
from ingest.evaluate.split import read_split
from ingest.settings import BuildSettings

console = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `eval` command to app."""
    app.command("eval")(eval_command)


def eval_command(
    corpus: Annotated[list[Path] | None, typer.Option(
        "--corpus", help="A labelled corpus folder (pages/ and truth.json); repeat to score several as one set.")] = None,
    raw: Annotated[Path | None, typer.Option(help="Folder of labelled pages (with --truth; read like `ingest build --raw`).")] = None,
    truth: Annotated[Path | None, typer.Option(help="truth.json for --raw: page file name -> hand-made truth.")] = None,
    split: Annotated[Path | None, typer.Option(help="Site split file (tests/corpus/split.toml); needs --part.")] = None,
    part: Annotated[str | None, typer.Option(help=f"Score only this part of --split: {' or '.join(PARTS)}.")] = None,
    summary_only: Annotated[bool, typer.Option(
        "--summary-only", help="Aggregates only, on screen and in --json: no page, site, title or heading named.")] = False,
    floors: Annotated[Path | None, typer.Option(help="TOML of `metric = minimum`; exit 1 when a metric is below.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON here (every page, unless --summary-only).")] = None,
    worst: Annotated[int, typer.Option(min=0, help="How many of the worst pages to list.")] = 10,
    worst_sites: Annotated[int, typer.Option(min=0, help="How many of the worst sites (by macro item F1) to list.")] = 5,
    per_site: Annotated[bool, typer.Option("--per-site/--no-per-site", help="Show the per-site table.")] = True,
    page_time_limit: Annotated[float | None, typer.Option(help="Seconds one page may take (as in `ingest build`; default: its default).")] = None,
) -> None:
    """Score extraction on labelled pages: page type, title, items per section, summary; per site and overall.

    Every page runs through the per-page stage of `ingest build` (in this process). Several --corpus
    folders are scored as one set of pages keyed by site; --split FILE --part tune|check scores one part
    of the fixed site split; --summary-only shows aggregates only (the check part, a fresh batch).
    """
    try:
        corpora = _corpora(corpus or [], raw, truth)
        sites = _part_sites(split, part, corpora)
        floor_values = load_floors(floors) if floors else {}
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    settings = BuildSettings.from_given({"workers": 0, "page_time_limit": page_time_limit})
    try:
        report = evaluate_corpora(corpora, settings, sites)
    except ValueError as exc:
        _fail(str(exc))
    if json_out:
        data = report.summary() if summary_only else report.as_dict(worst, worst_sites)
        json_out.write_bytes(orjson.dumps({"part": part, **data} if part else data, option=orjson.OPT_INDENT_2))
    heading = f"extraction against truth{f' ({part})' if part else ''}"
    if summary_only:
        _print_summary(report, heading)
    else:
        _print_full(report, heading, worst, worst_sites, per_site)
    failures = below_floors(report.overall, floor_values)
    for line in failures:
        err.print(f"[bold red]below floor:[/] {line}")
    if failures:
        raise typer.Exit(1)
    if floor_values:
        console.print(f"every floor holds ({len(floor_values)} metrics, {floors})")


def _corpora(dirs: list[Path], raw: Path | None, truth: Path | None) -> list[Corpus]:
    if (raw is None) != (truth is None):
        raise ValueError("--raw and --truth go together (or use --corpus DIR)")
    corpora = [Corpus.from_dir(d) for d in dirs]
    if raw is not None and truth is not None:
        if not raw.is_dir():
            raise ValueError(f"raw folder not found: {raw}")
        corpora.append(Corpus(raw, load_truth(truth)))
    if not corpora:
        raise ValueError("nothing to score: give --corpus DIR (repeatable) or --raw and --truth")
    return corpora


def _part_sites(split: Path | None, part: str | None, corpora: list[Corpus]) -> set[str] | None:
    """The sites of the chosen part; every site of the corpora must be listed in the split file."""
    if split is None and part is None:
        return None
    if split is None or part is None:
        raise ValueError("--split and --part go together")
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; the parts are {', '.join(PARTS)}")
    parts = read_split(split)
    problems = parts.problems()
    if problems:
        raise ValueError(f"{split}: " + "; ".join(problems))
    unlisted = sorted(set().union(*(c.sites for c in corpora)) - parts.listed)
    if unlisted:
        raise ValueError(f"{len(unlisted)} site(s) of the corpora are in no part of {split} "
                         f"(add them with tests/corpus/tools/split_sites.py): {', '.join(unlisted)}")
    return parts.sites(part)


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


METRIC_COLUMNS = ("pages", "proc", "type P", "type R", "item F1 macro", "item F1 micro", "summary F1",
                  "title exact", "spurious")


def _metric_row(name: str, m: Metrics) -> list[str]:
    return [name, str(m.pages), str(m.procedures), _num(m.page_precision), _num(m.page_recall),
            _num(m.item_f1_macro), _num(m.item_f1_micro), _num(m.summary_f1), _num(m.title_exact),
            str(m.spurious_sections)]


def _metrics_table(report: EvalReport, heading: str, per_site: bool) -> Table:
    table = Table(title=heading, title_justify="left")
    for col in ("site", *METRIC_COLUMNS):
        table.add_column(col, justify="left" if col == "site" else "right")
    if per_site:
        for site, metrics in report.per_site.items():
            table.add_row(*_metric_row(site, metrics))
        table.add_section()
    table.add_row(*_metric_row("overall", report.overall), style="bold")
    return table


def _print_aggregates(report: EvalReport, summary: dict) -> None:
    """The tables every mode shows: field F1 with the field confusion, and the page-type confusion."""
    confusion = summary["field_confusion"]
    places = _ordered_places(confusion)
    table = Table(title="where the items of each truth section landed (items; F1: mean over labelled sections)",
                  title_justify="left")
    for col in ("truth section", "sections", "F1", *places):
        table.add_column(col, justify="left" if col == "truth section" else "right")
    for name, f1 in summary["field_f1"].items():
        row = confusion.get(name, {})
        table.add_row(name, str(f1["sections"]), _num(f1["f1_mean"]),
                      *[(f"[bold]{row.get(p, 0)}[/]" if p == name else str(row.get(p, 0) or "·")) for p in places])
    console.print(table)
    types = summary["page_type_confusion"]
    outcomes = sorted({o for row in types.values() for o in row}, key=lambda o: (o != "procedures", o))
    table = Table(title="page type: truth (rows) against outcome (pages)", title_justify="left")
    for col in ("truth", *outcomes):
        table.add_column(col, justify="left" if col == "truth" else "right")
    for cls, row in types.items():
        table.add_row(cls, *[str(row.get(o, 0) or "·") for o in outcomes])
    console.print(table)
    console.print(f"per-site macro item F1 (mean over the {summary['sites_scored']} of {summary['sites']} sites "
                  f"with labelled sections): {_num(summary['site_item_f1_macro'], 4)}", highlight=False)


def _ordered_places(confusion: dict[str, dict[str, int]]) -> list[str]:
    """The landing places any truth section's items reached, and the truth sections themselves, in field order."""
    seen = {p for row in confusion.values() for p in row} | set(confusion)
    return [p for p in LANDING_PLACES if p in seen]


def _print_summary(report: EvalReport, heading: str) -> None:
    summary = report.summary()
    console.print(_metrics_table(report, heading, per_site=False))
    _print_aggregates(report, summary)
    if report.missing or report.unlabelled:
        console.print(f"{len(report.missing)} labelled page(s) missing (scored as quarantined), "
                      f"{len(report.unlabelled)} page(s) with no truth entry (not scored)")
    _print_overall(report.overall)


def _print_full(report: EvalReport, heading: str, worst: int, worst_sites: int, per_site: bool) -> None:
    console.print(_metrics_table(report, heading, per_site))
    _print_aggregates(report, report.summary())
    sites = report.worst_sites(worst_sites)
    if sites:
        table = Table(title="worst sites (macro item F1)", title_justify="left")
        for col in ("site", *METRIC_COLUMNS):
            table.add_column(col, justify="left" if col == "site" else "right")
        for site, metrics in sites:
            table.add_row(*_metric_row(site, metrics))
        console.print(table)
    if report.missing:
        console.print(f"[yellow]{len(report.missing)} labelled page(s) not found in the corpus:[/] "
                      + ", ".join(report.missing[:5]))
    if report.unlabelled:
        console.print(f"{len(report.unlabelled)} page(s) in the corpus have no truth entry (not scored)")
    bad = report.worst(worst)
    if bad:
        console.print("[bold]worst pages[/]")
        for page in bad:
            console.print(f"  {page.score:.2f}  {page.name}", highlight=False)
            for problem in page.problems()[:6]:
                console.print(f"        {problem}", highlight=False, soft_wrap=True)
    _print_overall(report.overall)


def _print_overall(m: Metrics) -> None:
    console.print(f"overall: page precision {_num(m.page_precision, 4)}  recall {_num(m.page_recall, 4)}  "
                  f"item F1 macro {_num(m.item_f1_macro, 4)} (micro {_num(m.item_f1_micro, 4)}, "
                  f"P {_num(m.item_precision_micro, 4)}, R {_num(m.item_recall_micro, 4)}) over "
                  f"{m.labelled_sections} labelled sections  summary F1 {_num(m.summary_f1, 4)}  "
                  f"title exact {_num(m.title_exact, 4)}", highlight=False)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)
