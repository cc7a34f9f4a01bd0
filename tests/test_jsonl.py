"""Record lines: what a build holds per page must cost the size of its JSON, not orjson's buffer."""

from __future__ import annotations

import tracemalloc

import orjson
from hypothesis import given
from hypothesis import strategies as st

from ingest.jsonl import Records, json_line

JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


@given(JSON)
def test_json_line_is_orjsons_line(value):
    line = json_line(value)
    assert line == orjson.dumps(value) and b"\n" not in line
    assert orjson.loads(line) == value


def test_kept_lines_cost_their_size():
    record = {"id": "procedure:cpt:64633", "summary": "A nerve is treated with heat. " * 100, "risks": ["pain"] * 50}
    size = len(orjson.dumps(record))
    for make in (json_line, lambda r: Records.of([r]).lines[0]):
        tracemalloc.start()
        lines = [make(record) for _ in range(200)]
        held = tracemalloc.get_traced_memory()[0] / len(lines)
        tracemalloc.stop()
        assert held < 1.5 * size, f"{held:.0f} bytes held per {size}-byte line"
