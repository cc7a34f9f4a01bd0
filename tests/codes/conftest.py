"""Fixtures for the medical-code tests: the seed pages, read at run time."""

from __future__ import annotations

import json

import pytest

from .seed_pages import SEEDS


@pytest.fixture(scope="session")
def seed():
    """Read a seed page by file name (skips when the shared seeds folder is absent)."""
    if not SEEDS.is_dir():
        pytest.skip(f"seed pages not available: {SEEDS} does not exist (shared/ sits beside the checkout)")

    def read(name: str) -> str:
        path = SEEDS / name
        if not path.exists():
            pytest.skip(f"seed page {path} missing")
        return path.read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def expected(seed):
    """The seeds' expected.json."""
    return json.loads(seed("expected.json"))
