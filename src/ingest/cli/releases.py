"""`ingest releases`, `ingest diff`, `ingest gc`: the release history (and raw retention) on the command line.

`register(app)` adds the three commands to a typer app (ingest.cli.main registers them).
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ingest.cli.supervise import supervised
from ingest.release.diff import ReleaseDiff, diff_releases
from ingest.release.layout import (ReleaseNotFound, latest_release, list_releases, read_manifest, resolve_release,
                                   verify_release)
from ingest.release.retention import TMP_MAX_AGE, gc_releases

OutOption = Annotated[Path, typer.Option("--out", help="Output folder holding releases/ and the `latest` link.")]
DEFAULT_OUT = Path("normalized")


def register(app: typer.Typer) -> None:
    """Add the `releases`, `diff` and `gc` commands to app."""
    app.command("releases")(releases)
    app.command("diff")(diff)
    app.command("gc")(gc)


def releases(
    out: OutOption = DEFAULT_OUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    verify: Annotated[bool, typer.Option("--verify/--no-verify", help="Check every file's checksum.")] = True,
) -> None:
    """List the releases: id, creation time, records per dataset, changes, which is latest, valid or corrupt.

    Exits 1 when a release is corrupt (with --verify, the default)."""
    found = list_releases(out, verify=verify)
    if as_json:
        _echo_json([{"release_id": r.release_id, "path": str(r.path), "created_at": r.created_at,
                     "counts": r.counts, "changes": r.changes, "previous_release": r.previous_release,
                     "latest": r.is_latest, "valid": r.valid, "problems": r.problems} for r in found])
        _fail_if_corrupt(found)
        return
    console = Console()
    if not found:
        console.print(f"no releases in {out}")
        return
    datasets = list(dict.fromkeys(name for r in found for name in r.counts))
    table = Table(title=f"releases in {out}", title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("release", no_wrap=True, min_width=max(len(r.release_id) for r in found))
    table.add_column("created (UTC)", no_wrap=True)
    for name in datasets:
        table.add_column(name, justify="right")
    table.add_column("changes", no_wrap=True)
    table.add_column("status")
    for r in found:
        changes = Text("-")
        if r.changes:
            totals = {k: sum(d.get(k, 0) for d in r.changes.values()) for k in ("added", "removed", "changed")}
            changes = Text.assemble((f"+{totals['added']}", "green"), " ", (f"-{totals['removed']}", "red"), " ",
                                    (f"~{totals['changed']}", "yellow"))
        status = Text("valid", "green") if r.valid else Text("corrupt: " + "; ".join(p.split(" (")[0] for p in r.problems[:3]), "bold red")
        table.add_row(Text("latest", "bold cyan") if r.is_latest else "",
                      Text(r.release_id, "bold" if r.is_latest else ""), r.created_at or "?",
                      *[str(r.counts.get(n, "")) for n in datasets], changes, status)
    console.print(table)
    _fail_if_corrupt(found)


def _fail_if_corrupt(found: list) -> None:
    corrupt = [r for r in found if not r.valid]
    if not corrupt:
        return
    names = ", ".join(f"{r.release_id}{' (latest)' if r.is_latest else ''}: {r.problems[0]}" for r in corrupt[:3])
    more = f" and {len(corrupt) - 3} more" if len(corrupt) > 3 else ""
    _fail(f"{len(corrupt)} of {len(found)} release(s) corrupt: {names}{more}. The next `ingest build` rebuilds a "
          "corrupt `latest`; `ingest gc` never removes the newest valid release")


def diff(
    old: Annotated[str, typer.Argument(help="Older release: id, unique id prefix, `latest` or `previous`.")],
    new: Annotated[str, typer.Argument(help="Newer release: id, unique id prefix, `latest` or `previous`.")],
    out: OutOption = DEFAULT_OUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full diff as JSON.")] = False,
    dataset: Annotated[list[str] | None,
                       typer.Option("--dataset", "-d", help="Only these datasets (repeatable).")] = None,
    limit: Annotated[int, typer.Option(help="Records shown per dataset and kind (0: all); --json shows all.")] = 20,
) -> None:
    """Records added, removed and changed per dataset between two releases, with field-level differences."""
    try:
        old_dir, new_dir = resolve_release(out, old), resolve_release(out, new)
    except ReleaseNotFound as exc:
        _fail(str(exc))
    for ref, path in ((old, old_dir), (new, new_dir)):
        if problems := verify_release(path):
            _fail(f"release {path.name} ({ref}) is corrupt ({'; '.join(problems[:2])}): its records cannot be "
                  "compared (a cut file would list fake removals); `ingest releases` shows the valid ones")
    result = diff_releases(old_dir, new_dir)
    if dataset:
        unknown = sorted(set(dataset) - set(result.datasets))
        if unknown:
            _fail(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(sorted(result.datasets))}")
        result.datasets = {k: v for k, v in result.datasets.items() if k in dataset}
    if as_json:
        _echo_json(result.to_json())
    else:
        _print_diff(Console(), result, limit)


def gc(
    keep: Annotated[int | None, typer.Option("--keep", min=1,
                                             help="Releases to keep (the one `latest` points to counts, and is never removed).")] = None,
    out: OutOption = DEFAULT_OUT,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print what would be removed.")] = False,
    tmp_age: Annotated[float, typer.Option(
        help="Seconds after which a leftover .tmp-* is removed even if its pid is alive (a temporary extraction cache entry: whatever its writer).")] = TMP_MAX_AGE,
    raw: Annotated[Path | None, typer.Option("--raw", help="Raw store (written by `ingest scrape`) whose superseded page versions to remove.")] = None,
    keep_versions: Annotated[int | None, typer.Option("--keep-versions", min=1,
                                                      help="With --raw: versions to keep per URL, the current one included.")] = None,
    older_than: Annotated[str | None, typer.Option("--older-than",
                                                   help="With --raw: remove superseded versions last seen longer ago than this (90d, 12h, 2w).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="When a build holds the output folder's lock, wait for it instead of exiting with code 75.")] = False,
    cache_age: Annotated[str, typer.Option("--cache-age", help="With --keep: remove extraction cache entries the latest release's build did not use and unused for longer than this (30d, 12h, 2w).")] = "30d",
) -> None:
    """Remove old releases (--keep), leftovers of killed builds and unused extraction cache entries; with --raw,
    superseded page versions of a raw store."""
    if keep is None and raw is None:  # usage errors (exit code 2), as a missing --keep always was
        raise typer.BadParameter("give --keep N (releases) and/or --raw DIR with --keep-versions N / --older-than AGE "
                                 "(raw page versions)", param_hint="--keep")
    if raw is None and (keep_versions is not None or older_than is not None):
        raise typer.BadParameter("--keep-versions and --older-than apply to a raw store: add --raw DIR", param_hint="--raw")
    if raw is not None and keep_versions is None and older_than is None:
        raise typer.BadParameter("--raw needs --keep-versions N and/or --older-than AGE", param_hint="--raw")
    from ingest.page.cache_gc import gc_cache  # the extraction code it names loads only for gc
    from ingest.scrape.retention import parse_age

    try:
        max_age = parse_age(cache_age).total_seconds()
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--cache-age") from None
    verb = "would remove" if dry_run else "removed"
    if keep is not None:
        locking = not dry_run and out.is_dir()  # gc_releases takes the lock; this says a refusal in one line
        with supervised(out, "gc", wait=wait, undone="nothing removed") if locking else nullcontext():
            removed = gc_releases(out, keep, dry_run=dry_run, tmp_max_age=tmp_age, wait=wait)
            swept = gc_cache(out, max_age, _latest_build_started(out), dry_run=dry_run, tmp_max_age=tmp_age)
        removed += swept.paths
        for path in removed:
            typer.echo(f"{verb} {path}")
        if swept.entries:
            typer.echo(f"{verb} {swept.entries} extraction cache entr{'y' if swept.entries == 1 else 'ies'} "
                       f"({swept.bytes:,} bytes) unused since {_utc(swept.cutoff)}")
        if removed or not swept.entries:
            typer.echo(f"{verb} {len(removed)} path(s)" if removed else "nothing to remove")
    if raw is not None:
        _gc_raw(raw, keep_versions, older_than, dry_run, verb)


def _latest_build_started(out: Path) -> float | None:
    """When the build of the release `latest` points to started (epoch seconds), None without one."""
    release = latest_release(out)
    try:
        manifest = read_manifest(release) if release is not None else None
        created = datetime.fromisoformat(manifest["created_at"].replace("Z", "+00:00")).timestamp()
    except (OSError, ValueError, KeyError, TypeError):  # no release, or a corrupt one: no entry is known in use
        return None
    return created - sum((manifest.get("stage_seconds") or {}).values())


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _gc_raw(raw: Path, keep_versions: int | None, older_than: str | None, dry_run: bool, verb: str) -> None:
    from ingest.scrape.retention import gc_raw, parse_age
    from ingest.scrape.store import StoreBusy

    try:
        age = parse_age(older_than) if older_than is not None else None
        result = gc_raw(raw, keep_versions=keep_versions, older_than=age, dry_run=dry_run)
    except (ValueError, FileNotFoundError, StoreBusy) as exc:
        _fail(str(exc))
    for rel in result.removed:
        typer.echo(f"{verb} {raw / rel}")
    typer.echo(f"{verb} {len(result.removed)} superseded version(s), {result.bytes:,} bytes, "
               f"{result.manifest_lines} manifest line(s); kept {result.kept_superseded} superseded version(s) "
               "and every current one")


# --------------------------------------------------------------------------- output helpers


def _print_diff(console: Console, result: ReleaseDiff, limit: int) -> None:
    console.print(Text.assemble("diff ", (str(result.old_id), "bold"), " → ", (str(result.new_id), "bold")))
    table = Table(show_edge=False, box=None, pad_edge=False)
    table.add_column("dataset")
    for kind, style in (("added", "green"), ("removed", "red"), ("changed", "yellow")):
        table.add_column(kind, justify="right", style=style)
    for name, counts in result.summary().items():
        table.add_row(name, *(str(counts[k]) for k in ("added", "removed", "changed")))
    console.print(table)
    if result.is_empty():
        console.print("no differences")
    for name, d in sorted(result.datasets.items()):
        if not (d.added or d.removed or d.changed):
            continue
        console.print(Text(f"\n{name}", "bold underline"))
        for mark, style, ids in (("+", "green", d.added), ("-", "red", d.removed)):
            for rid in _head(ids, limit):
                console.print(Text(f"  {mark} {rid}", style))
            _more(console, ids, limit)
        for change in _head(d.changed, limit):
            console.print(Text(f"  ~ {change.id}", "yellow"))
            for field_name, fc in change.fields.items():
                if not fc.is_list:
                    _print_value_change(console, "      ", field_name, fc.old, fc.new)
                    continue
                added, removed = fc.items()
                console.print(Text(f"      {field_name}:" + ("" if added or removed else " order changed"), "bold"))
                pairs, added, removed = _pair_items(added, removed)
                for old_item, new_item in pairs:  # the same item (same first key), changed
                    first = next(iter(new_item))
                    console.print(Text(f"        ~ {first}={_short(new_item[first])}", "yellow"))
                    for key in list(new_item) + [k for k in old_item if k not in new_item]:
                        if old_item.get(key) != new_item.get(key):
                            _print_value_change(console, "            ", key, old_item.get(key), new_item.get(key))
                for item in added:
                    console.print(Text(f"        + {_short(item)}", "green"))
                for item in removed:
                    console.print(Text(f"        - {_short(item)}", "red"))
        _more(console, d.changed, limit)
    for warning in result.warnings:
        console.print(Text(f"warning: {warning}", "yellow"))


def _print_value_change(console: Console, indent: str, name: str, old: Any, new: Any) -> None:
    old_text, new_text = _excerpts(old, new)
    console.print(Text.assemble((f"{indent}{name}: ", "bold"), (old_text, "red"), " → ", (new_text, "green")))


def _excerpts(old: Any, new: Any, width: int = 100) -> tuple[str, str]:
    """Short forms of two values; for long strings, the part around where they differ."""
    if not (isinstance(old, str) and isinstance(new, str)) or max(len(old), len(new)) <= width - 2:
        return _short(old, width), _short(new, width)
    start = max(0, len(os.path.commonprefix([old, new])) - 30)
    tail = len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))

    def cut(text: str) -> str:
        end = min(len(text), max(start, len(text) - tail) + 30)
        return _short(("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""), width)

    return cut(old), cut(new)


def _pair_items(added: list, removed: list) -> tuple[list[tuple[dict, dict]], list, list]:
    """Pair added and removed dict items whose first key and its value agree (one item that changed)."""
    pairs, rest = [], []
    removed = list(removed)
    for item in added:
        key = next(iter(item), None) if isinstance(item, dict) else None
        match = next((r for r in removed if key is not None and isinstance(r, dict) and next(iter(r), None) == key
                      and r[key] == item[key]), None)
        if match is None:
            rest.append(item)
        else:
            removed.remove(match)
            pairs.append((match, item))
    return pairs, rest, removed


def _head(items: list, limit: int) -> list:
    return items if limit <= 0 else items[:limit]


def _more(console: Console, items: list, limit: int) -> None:
    if 0 < limit < len(items):
        console.print(Text(f"    … and {len(items) - limit} more (--limit 0 shows all)", "dim"))


def _short(value: Any, width: int = 100) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= width else text[:width - 1] + "…"


def _echo_json(obj: Any) -> None:
    typer.echo(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode())


def _fail(message: str) -> None:
    Console(stderr=True).print(Text.assemble(("error: ", "bold red"), message))
    raise typer.Exit(1)
