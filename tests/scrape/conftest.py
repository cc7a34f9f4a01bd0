"""Fixtures for the scrape tests: a real HTTP server on 127.0.0.1 per test."""

from __future__ import annotations

from typing import Iterator

import pytest

from .scrape_site import Site


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site().start()
    yield server
    server.stop()
