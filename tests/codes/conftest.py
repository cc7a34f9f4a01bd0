"""Shared fixtures for the medical-code tests: the seed pages, read at run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SEEDS = Path(__file__).parents[2].parent / "shared" / "seeds"
GLOSSARY = "001_aed3dfa302fd1202.txt"
BILLING = "004_b4e80ab22b164bc6.txt"
PROCEDURES = ("000_6741a82040ef9d80.txt", "002_3e1f5868dc691438.txt", "003_a59f6d7c92cd111f.txt")


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
