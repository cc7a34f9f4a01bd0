"""One hand-written fixture per normalization rule (tests/fixtures/normalize/<rule>.html) and the
block stream it must give (<rule>.json). Regenerate deliberately with INGEST_REGEN=1 and read the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingest.parse.blocks import Block, BlockKind
from ingest.parse.html import parse_html

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "normalize"
RULES = sorted(p.stem for p in FIXTURES.glob("*.html"))


def view(blocks: list[Block]) -> list[str]:
    """A block stream as short readable lines (list ids renumbered in order of appearance)."""
    lists: dict[int, int] = {}
    out = []
    for b in blocks:
        if b.kind is BlockKind.HEADING:
            head = f"heading {b.form}/{b.level}"
        elif b.kind is BlockKind.ITEM:
            n = lists.setdefault(b.list_id, len(lists) + 1)
            head = f"item L{n}" + (f"#{b.ordinal}" if b.ordinal is not None else "")
        else:
            head = b.kind.value
        if b.label:
            head += f" [{b.label}]"
        out.append(f"{head}: {b.text}")
    return out


@pytest.mark.parametrize("rule", RULES)
def test_rule_fixture_gives_expected_blocks(rule):
    got = view(parse_html((FIXTURES / f"{rule}.html").read_text("utf-8")).blocks)
    expected_path = FIXTURES / f"{rule}.json"
    if os.environ.get("INGEST_REGEN"):
        expected_path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", "utf-8")
    assert got == json.loads(expected_path.read_text("utf-8"))


def test_every_rule_has_a_fixture():
    import tomllib
    from importlib import resources

    sections = tomllib.loads(resources.files("ingest.data").joinpath("markup.toml").read_text("utf-8"))
    fixture_for = {"titles": "accordion", "bold": "css-bold", "lines": "br-bullets", "icons": "icon-rows",
                   "cards": "cards", "tables": "label-table", "labels": "labels"}
    assert set(sections) == set(fixture_for)
    assert {fixture_for[s] for s in sections} <= set(RULES)
