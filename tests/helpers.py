"""Helpers for golden comparisons."""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")


def norm(value):
    """Whitespace-insensitive form of a golden value (strings collapsed, lists/dicts recursed)."""
    if isinstance(value, str):
        return _WS.sub(" ", value).strip()
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    return value


def graded(expected: dict) -> dict:
    """The graded keys of an expected record (keys starting with '_' are comments)."""
    return {k: v for k, v in expected.items() if not k.startswith("_")}


def mismatches(expected: dict, actual: dict) -> list[str]:
    """Human-readable differences between an expected record and an actual one."""
    out = []
    for key, want in graded(expected).items():
        got = actual.get(key, "<missing>")
        if norm(got) != norm(want):
            out.append(f"{key}: expected {want!r}\n      got {got!r}")
    return out
