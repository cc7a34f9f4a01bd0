"""A real release built from the sample pages in raw/ (no Prefect: extract, then the real publish path)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import create_model

from ingest import models
from ingest.page.acquire import discover_pages
from ingest.page.parallel import extract_pages
from ingest.assembly.finalize import finalize
from ingest.settings import BuildSettings

RAW = Path(__file__).resolve().parents[2] / "raw"


@pytest.fixture(scope="session")
def sample_results():
    """PageResults of every sample page in raw/ (extracted once per session)."""
    return extract_pages(list(discover_pages(RAW)), BuildSettings(workers=0))


@pytest.fixture(scope="session")
def built_release(sample_results, tmp_path_factory) -> Path:
    """An output folder with one release of raw/, published by ingest.assembly.finalize.finalize (do not modify)."""
    out = tmp_path_factory.mktemp("built") / "normalized"
    finalize(sample_results, out)
    return out


@pytest.fixture
def release_copy(built_release, tmp_path) -> Path:
    """A private copy of built_release's output folder (tests may publish into it or damage it)."""
    out = tmp_path / "normalized"
    shutil.copytree(built_release, out, symlinks=True)
    return out


def model_without(model, *dropped: str, name: str | None = None):
    """A copy of a pydantic model without some fields (same config, docs and other fields)."""
    fields = {n: (f.annotation, f) for n, f in model.model_fields.items() if n not in dropped}
    return create_model(name or model.__name__, __base__=models._Model, __doc__=model.__doc__, **fields)


def model_with(model, **changed):
    """A copy of a pydantic model with fields added or replaced: name=(annotation, FieldInfo or default)."""
    fields = {n: (f.annotation, f) for n, f in model.model_fields.items()}
    fields.update(changed)
    return create_model(model.__name__, __base__=models._Model, __doc__=model.__doc__, **fields)
