"""Fixtures for the scrape tests: a real HTTP server on 127.0.0.1 and fast, polite test settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from scrape_site import Site

from ingest.scrape.config import ScrapeConfig

UA = "ingest-test-bot/0.1 (+https://example.invalid/contact)"


def fast_config(raw: Path, **overrides: Any) -> ScrapeConfig:
    """Test settings: tiny delays, small caps, private addresses allowed (the server is 127.0.0.1)."""
    values: dict[str, Any] = dict(
        raw=raw, user_agent=UA, allow_private_addresses=True, min_delay=0.02, max_delay=2.0,
        max_retries=1, backoff_base=0.05, request_timeout=1.0, read_timeout=0.5, connect_timeout=1.0,
        max_bytes=200_000, max_sitemap_bytes=1_000_000, workers=4,
    )
    values.update(overrides)
    return ScrapeConfig(**values)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site().start()
    yield server
    server.stop()
