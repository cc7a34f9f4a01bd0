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


def project(want, got):
    """The part of `got` that a golden value grades.

    Goldens name only what they grade: an expected object lists the keys it checks
    (a modifier's `modifier` and `description`, not `when_to_use`), and an expected
    list of names grades the leading field of richer objects (`related_terms`
    entries are {term, explanation}; the golden lists the terms).
    """
    if isinstance(want, dict) and isinstance(got, dict):
        return {k: project(want[k], got.get(k, "<missing>")) for k in want}
    if isinstance(want, list) and isinstance(got, list):
        return [project(w, g) for w, g in zip(want, got)] + got[len(want):]
    if isinstance(want, str) and isinstance(got, dict) and got:
        return next(iter(got.values()))
    return got


def mismatches(expected: dict, actual: dict) -> list[str]:
    """Human-readable differences between an expected record and an actual one."""
    out = []
    for key, want in graded(expected).items():
        got = project(want, actual.get(key, "<missing>"))
        if norm(got) != norm(want):
            out.append(f"{key}: expected {want!r}\n      got {got!r}")
    return out
