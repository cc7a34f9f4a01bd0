"""JSON Lines reading shared by every module that reads our own JSONL files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Objects of a JSONL file in order; lines that are not complete JSON objects (a line cut
    by a crash) are skipped. Nothing when the file is absent."""
    if not Path(path).exists():
        return
    with open(path, "rb") as fh:
        for line in fh:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                yield obj
