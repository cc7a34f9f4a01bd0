"""Add the sites of the labelled corpora that tests/corpus/split.toml does not list yet, by the split's
fixed rule (ingest.evaluate.split: a stable SHA-256 key per site slug, tune kept at >= 60% of the
sites). A listed site never moves; a listed site that no corpus has any more is kept and reported.

    .venv/bin/python tests/corpus/tools/split_sites.py            # update the file
    .venv/bin/python tests/corpus/tools/split_sites.py --dry-run  # say what would be added

Corpora: tests/corpus/procedures and $INGEST_SHARED/corpus/procedures (default ../shared), or
the folders given with --corpus. Prints only counts for the check part (it is read as aggregates).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingest.evaluate import Corpus, Split, assign_new_sites, format_split, read_split

REPO = Path(__file__).resolve().parents[3]
SPLIT = REPO / "tests" / "corpus" / "split.toml"


def default_corpora() -> list[Path]:
    shared = Path(os.environ.get("INGEST_SHARED", REPO.parent / "shared"))
    return [REPO / "tests" / "corpus" / "procedures", shared / "corpus" / "procedures"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="a corpus folder (pages/ + truth.json); repeatable")
    parser.add_argument("--split", type=Path, default=SPLIT, help="the split file (default: tests/corpus/split.toml)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be added, write nothing")
    args = parser.parse_args(argv)
    folders = args.corpus or default_corpora()
    absent = [str(f) for f in folders if not (f / "truth.json").is_file()]
    if absent:
        print(f"error: no truth.json in {', '.join(absent)}", file=sys.stderr)
        return 2
    sites = set().union(*(Corpus.from_dir(f).sites for f in folders))
    before = read_split(args.split) if args.split.exists() else Split()
    problems = before.problems()
    if problems:
        print(f"error: {args.split}: " + "; ".join(problems), file=sys.stderr)
        return 2
    after = assign_new_sites(before, sites)
    added_tune = sorted(set(after.tune) - set(before.tune))
    added_check = len(set(after.check) - set(before.check))
    gone = len(before.listed - sites)
    print(f"{len(sites)} sites in {len(folders)} corpora; added {len(added_tune)} to tune"
          + (f" ({', '.join(added_tune)})" if added_tune else "") + f" and {added_check} to check; "
          f"tune {len(after.tune)} / check {len(after.check)} ({after.tune_share:.1%} tune)"
          + (f"; {gone} listed site(s) are in no corpus (kept)" if gone else ""))
    if not args.dry_run and (added_tune or added_check or not args.split.exists()):
        args.split.write_text(format_split(after), encoding="utf-8")
        print(f"wrote {args.split}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
