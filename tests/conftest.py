"""Shared test fixtures: paths to the seeds and the real-world corpus, and a Prefect harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("INGEST_SHARED", REPO.parent / "shared"))
SEEDS = SHARED / "seeds"
REALWORLD = SHARED / "corpus" / "realworld"
RAW_SAMPLE = REPO / "raw"
GOLDEN = REPO / "tests" / "golden"


def need(path: Path) -> Path:
    """Skip (with the reason) when a shared input is absent from this checkout's surroundings."""
    if not path.exists():
        pytest.skip(f"{path} not present (shared/ sits beside the repository in CI)")
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return need(SEEDS)


@pytest.fixture(scope="session")
def realworld_dir() -> Path:
    return need(REALWORLD)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """A real temporary Prefect server for the whole session (Prefect's test harness)."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    from flows import prefect_env

    prefect_env.apply(quiet=True)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
