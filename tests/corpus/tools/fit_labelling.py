"""Fit the label pass's weights and threshold (data/labelling.toml [fitted_weights]) on the tune part of the split.

Every heading of every tune page that reaches extraction gives one example: the label pass's feature
vector for each field with evidence (extract/label.py FEATURES: the vocabulary's match as written, once
folded, a stage word, a cue in the content), and its target field: the truth section most of whose
items its content holds (its blocks up to the next heading of the same or a higher level), else none.
The model is a multinomial logistic regression over {none, the fields with evidence}: a field's score is
the weighted sum of its features, none's is the threshold; it is fitted by full-batch gradient ascent
on the log-likelihood with a small L2 pull towards the hand-set weights, no weight below 0 (evidence
never counts against its field; numpy only; deterministic: a
fixed order of pages, a fixed number of steps, no randomness).

    .venv/bin/python tests/corpus/tools/fit_labelling.py            # fit and write [fitted_weights]
    .venv/bin/python tests/corpus/tools/fit_labelling.py --dry-run  # fit and print, write nothing

The pass reads the table that [weights] `use` names: compare both on check's aggregates before switching.
Only tune is read (its pages and truth); check is never opened. Headings whose only evidence names a
field the truth does not label (summary, purpose, ...) are left out: their target is unknown.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np

from ingest.evaluate import LIST_SECTIONS, Corpus, normalize_text, read_split, site_of
from ingest.extract import procedure
from ingest.extract.label import FEATURES, HeadingLabeller, labelling_data
from ingest.page.acquire import discover_pages
from ingest.page.process import process_page
from ingest.parse.blocks import BlockKind
from ingest.settings import BuildSettings

REPO = Path(__file__).resolve().parents[3]
SPLIT = REPO / "tests" / "corpus" / "split.toml"
TOML = REPO / "src" / "ingest" / "data" / "labelling.toml"
HOLD = 0.6  # an item is held by a heading's content when this share of its words is there
STEPS, RATE, PULL = 3000, 0.5, 0.01  # gradient steps, step size, L2 pull towards the hand-set weights


def default_corpora() -> list[Path]:
    shared = Path(os.environ.get("INGEST_SHARED", REPO.parent / "shared"))
    return [REPO / "tests" / "corpus" / "procedures", shared / "corpus" / "procedures"]


def _content(blocks: list, index: int, nested: bool) -> str:
    """A heading's content: its blocks up to the next heading (the content the label pass reads for
    cues, extract/sections.py), or with nested, up to the next one of the same or a higher level (what
    the heading's section holds, for its target)."""
    level, body = blocks[index].level, []
    for b in blocks[index + 1:]:
        if b.kind is BlockKind.HEADING and (not nested or not level or not b.level or b.level <= level):
            break
        body.append(b.text)
    return " ".join(body)


def _target(body: str, truth: dict[str, list[str]]) -> str | None:
    """The truth section most of whose items the content holds (at least two, or its only one)."""
    words = set(normalize_text(body).split())
    best, best_held = None, 0
    for field, items in sorted(truth.items()):
        if field not in LIST_SECTIONS or not items:
            continue
        held = sum(1 for item in items if (iw := set(normalize_text(item).split()))
                   and len(iw & words) >= HOLD * len(iw))
        if held > best_held and (held >= 2 or len(items) == 1) and held * 2 >= len(items):
            best, best_held = field, held
    return best


def examples(corpora: list[Corpus], sites: set[str]) -> list[tuple[np.ndarray, list[str], str | None]]:
    """(feature matrix: one row per candidate field, the candidate fields, the target) per tune heading."""
    captured: list = []
    original = procedure.segment  # the segment pass, as the driver calls it (with the label pass handed in)

    def capture(blocks, vocab, lang, label, weak_label):  # noqa: ANN001, ANN202 - the tool's probe
        captured.append((list(blocks), label.__self__))
        return original(blocks, vocab, lang, label, weak_label)

    procedure.segment = capture
    out = []
    settings = BuildSettings(workers=0)
    try:
        for corpus in corpora:
            refs = {ref.rel_path.rsplit("/", 1)[-1]: ref for ref in discover_pages(corpus.pages_dir)}
            for name in sorted(corpus.truth):
                entry = corpus.truth[name]
                if site_of(name, entry) not in sites or name not in refs or not entry.get("is_procedure"):
                    continue
                captured.clear()
                process_page(refs[name], settings)
                for blocks, labeller in captured:
                    out += _page_examples(blocks, labeller, entry.get("sections") or {})
    finally:
        procedure.segment = original
    return out


def _page_examples(blocks: list, labeller: HeadingLabeller, truth: dict) -> list:
    out = []
    for index, block in enumerate(blocks):
        if block.kind is not BlockKind.HEADING or block.form == "dt":
            continue
        fields = labeller.candidates(block.text)
        if not fields or any(f not in LIST_SECTIONS for f in fields):
            continue
        body = _content(blocks, index, nested=False)
        rows = np.array([labeller.features(block.text, f, body) for f in fields])
        target = _target(_content(blocks, index, nested=True), truth)
        out.append((rows, fields, target if target in fields else None if target is None else "other"))
    return out


def fit(data: list, start: np.ndarray) -> np.ndarray:
    """Weights (one per feature) then the threshold, maximizing the likelihood of the targets."""
    params = start.astype(float).copy()
    usable = [(rows, fields, target) for rows, fields, target in data if target != "other"]
    for _ in range(STEPS):
        grad = -PULL * (params - start)
        for rows, fields, target in usable:
            logits = np.concatenate([[params[-1]], rows @ params[:-1]])
            p = np.exp(logits - logits.max())
            p /= p.sum()
            chosen = 0 if target is None else 1 + fields.index(target)
            # d log p(chosen) = x_chosen - E[x]; the threshold is none's score
            x = np.zeros((len(fields) + 1, len(params)))
            x[0, -1] = 1.0
            x[1:, :-1] = rows
            grad += x[chosen] - p @ x
        params = np.maximum(params + RATE * grad / len(usable), 0.0)  # evidence never counts against a field
    return params


def accuracy(data: list, params: np.ndarray) -> float:
    """The share of headings whose decision (best field over the threshold, ties name nothing) is right."""
    right = 0
    for rows, fields, target in data:
        scores = rows @ params[:-1]
        best = int(np.argmax(scores))
        tied = int(np.sum(scores == scores[best])) > 1
        decided = None if tied or scores[best] < params[-1] else fields[best]
        right += decided == (None if target == "other" else target) and target != "other"
    return right / len(data) if data else 0.0


def write(params: np.ndarray, path: Path) -> None:
    """Replace the values of [fitted_weights] in labelling.toml (comments and everything else kept)."""
    text = path.read_text("utf-8")
    start = text.find("\n[fitted_weights]")
    end = text.find("\n[", start + 1)
    if start < 0:
        raise SystemExit(f"{path}: no [fitted_weights] table")
    end = end if end > 0 else len(text)
    table = text[start:end]
    for name, value in [*zip(FEATURES, params[:-1], strict=True), ("threshold", params[-1])]:
        table, n = re.subn(rf"(?m)^({name}\s*=\s*)[-0-9.]+", rf"\g<1>{value:.3f}", table, count=1)
        if n != 1:
            raise SystemExit(f"{path}: no `{name} =` line under [fitted_weights]")
    path.write_text(text[:start] + table + text[end:], "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", type=Path, help="a corpus folder (pages/ + truth.json); repeatable")
    parser.add_argument("--split", type=Path, default=SPLIT)
    parser.add_argument("--toml", type=Path, default=TOML, help="the labelling data file to write")
    parser.add_argument("--dry-run", action="store_true", help="fit and print, write nothing")
    args = parser.parse_args(argv)
    corpora = [Corpus.from_dir(f) for f in (args.corpus or default_corpora())]
    data = examples(corpora, read_split(args.split).sites("tune"))
    hand = np.array([labelling_data()["hand_weights"][n] for n in (*FEATURES, "threshold")])
    fitted = fit(data, hand)
    labelled = sum(1 for _, _, t in data if t not in (None, "other"))
    print(f"tune headings with evidence: {len(data)} ({labelled} hold a truth section's items)")
    for name, h, f in zip((*FEATURES, "threshold"), hand, fitted, strict=True):
        print(f"  {name:18} hand {h:6.3f}  fitted {f:6.3f}")
    print(f"decisions right: hand {accuracy(data, hand):.3f}  fitted {accuracy(data, fitted):.3f}")
    if not args.dry_run:
        write(fitted, args.toml)
        print(f"wrote {args.toml}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
