"""Publish gates: what a build checks before it may replace `latest`, each refusal one line.

    check_paths      --raw and --out usable: --raw a folder, neither inside the other, --out writable
    check_discovery  --raw holds pages (an empty or unmounted folder is an error, not an empty release)
    check_failures   at most settings.failure_margin of the pages ended in the run's own failures
                     (internal_error, worker_crash, timeout: the transient reasons, never cached)
    check_shrink     the records do not fall by more than settings.shrink_margin against the release
                     published over (`latest`, or the newest valid release when `latest` is corrupt),
                     unless settings.allow_shrink and the lost records' pages are absent from --raw

Each refusal raises an ingest.errors.RunError subclass whose message names the numbers, what was kept
and how to override; nothing is written before the gates pass.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Container, Iterable
from pathlib import Path

import orjson

from ingest.errors import TRANSIENT_REASONS, InputRefused, PublishRefused
from ingest.models import BY_DATASET
from ingest.release.layout import PublishBase, dataset_files, latest_release, read_manifest
from ingest.settings import BuildSettings


def kept(base: PublishBase) -> str:
    """What a refusal leaves in place, for its message."""
    if base.path is None:
        return "nothing published (no valid release yet)"
    return f"nothing published, `latest` kept ({base.path.name})" if base.latest_valid else \
        f"nothing published (`latest` is corrupt; the last valid release is {base.path.name})"


def check_paths(raw: Path, out: Path) -> None:
    """Refuse a --raw that is missing or a file, folders nested in each other, and an unwritable --out."""
    raw, out = Path(raw), Path(out)
    if raw.is_file():
        raise InputRefused(f"--raw {raw} is a file, not a folder of pages: give the folder that holds the pages")
    if not raw.is_dir():
        raise InputRefused(f"raw folder not found: {raw} (is the volume mounted?)")
    raw_real, out_real = raw.resolve(), out.resolve()
    if out_real.is_relative_to(raw_real) or raw_real.is_relative_to(out_real):
        inner, outer = ("--out", "--raw") if out_real.is_relative_to(raw_real) else ("--raw", "--out")
        raise InputRefused(f"{inner} {out if inner == '--out' else raw} is inside {outer} "
                           f"{raw if outer == '--raw' else out}: every build would read the releases as pages; "
                           "give two separate folders")
    _check_writable(out)


def _check_writable(out: Path) -> None:
    probe = out / f".tmp-probe-{os.getpid()}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputRefused(f"--out {out} is not writable ({exc.strerror or exc}); nothing published") from None


def check_discovery(pages: int, superseded: int, raw: Path, out: Path) -> None:
    """Refuse an empty --raw: an unmounted volume or a wrong path must not become an empty release."""
    if pages:
        return
    what = f" (only {superseded} superseded versions)" if superseded else ""
    latest = latest_release(Path(out))
    left = f"nothing published, `latest` kept ({latest.name})" if latest is not None else "nothing published"
    raise InputRefused(f"--raw {raw} holds no pages (.html, .htm, .txt, .xhtml){what}: is the volume mounted? {left}")


def check_failures(quarantine: Iterable[dict], pages: int, settings: BuildSettings, base: PublishBase) -> None:
    """Refuse when more than settings.failure_margin of the pages ended in the run's own failures."""
    failed = [q for q in quarantine if q["reason"] in TRANSIENT_REASONS]
    if not pages or len(failed) <= settings.failure_margin * pages:
        return
    reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(Counter(q["reason"] for q in failed).items()))
    example = (failed[0].get("detail") or "")[:160]
    raise PublishRefused(
        f"refusing to publish: {len(failed):,} of {pages:,} pages ({len(failed) / pages:.0%}) failed in this run "
        f"({reasons}; e.g. {example!r}), over the {settings.failure_margin:.0%} failure margin; {kept(base)}. "
        "These outcomes are not cached: fix the cause and rerun, or publish anyway with --failure-margin 1")


def page_records(counts: dict[str, int]) -> int:
    """Records of the datasets pages become (procedures, terms, billing; not codes, quarantine)."""
    return sum(n for name, n in counts.items() if name in BY_DATASET)


def check_shrink(counts: dict[str, int], present: Callable[[], Container[str]], settings: BuildSettings,
                 base: PublishBase) -> None:
    """Refuse a release whose records fell by more than the shrink margin against the base release.

    With settings.allow_shrink, the records whose pages are all absent from --raw (`present()`: the current
    pages' paths, asked for only when the records fell beyond the margin) do not count as lost: the fall
    that is left must stay within the margin."""
    if base.path is None:
        return
    try:
        old = page_records(read_manifest(base.path).get("counts", {}))
    except (OSError, ValueError):
        return
    new = page_records(counts)
    allowed = settings.shrink_margin * old
    if old - new <= allowed:
        return
    absent = records_with_absent_pages(base.path, present())
    unexplained = old - new - absent
    if settings.allow_shrink and unexplained <= allowed:
        return
    what = (f"a release with 0 records over {base.path.name} ({old:,} records)" if new == 0 else
            f"{new:,} records against {old:,} in {base.path.name} (-{(old - new) / old:.0%})")
    if unexplained <= allowed:
        how = (f"the pages of {absent:,} lost records are absent from --raw: if they were removed on purpose, "
               "rerun with --allow-shrink")
    else:
        how = (f"{unexplained:,} of the lost records' pages are still in --raw (see quarantine.jsonl's reasons): "
               "to publish this shrink anyway, rerun with --shrink-margin 1")
    raise PublishRefused(f"refusing to publish {what}, over the {settings.shrink_margin:.0%} shrink margin; "
                         f"{kept(base)}; {how}")


def records_with_absent_pages(release: Path, present: Container[str]) -> int:
    """Records of a release (page datasets) none of whose source pages is among `present` (read only when
    a release shrinks: one pass over its page datasets)."""
    absent = 0
    for name, path in dataset_files(release).items():
        if name not in BY_DATASET or not path.is_file():
            continue
        with open(path, "rb") as fh:
            for line in fh:
                try:
                    sources = orjson.loads(line).get("sources") or []
                except (orjson.JSONDecodeError, AttributeError):
                    continue
                if not any(s.get("path") in present for s in sources):
                    absent += 1
    return absent
