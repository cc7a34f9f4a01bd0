"""The `refresh` flow: scrape a site into the raw store, then build a release from it.

The scrape step touches the network and is retried with backoff; the crawl itself is
resumable, so a retry continues where the failed attempt stopped.
"""

from __future__ import annotations

from pathlib import Path

from flows import prefect_env

prefect_env.apply(quiet=False)

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from flows.build import build, flow_signature  # noqa: E402
from ingest.scrape.config import load_config  # noqa: E402
from ingest.scrape.crawl import scrape  # noqa: E402
from ingest.settings import DEFAULT_OUT, DEFAULT_RAW  # noqa: E402


@task(name="scrape", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=10),
      retry_jitter_factor=0.5)
def scrape_task(config_path: str | None, overrides: dict) -> dict:
    """Fetch the site politely into the raw store (see docs/scraping.md)."""
    return scrape(load_config(Path(config_path) if config_path else None, **overrides)).model_dump(mode="json")


def _refresh(raw: str = DEFAULT_RAW, out: str = DEFAULT_OUT, start: list[str] | None = None,
             sitemap: list[str] | None = None, urls: str | None = None, allow: list[str] | None = None,
             scrape_config: str | None = None, force: bool = False, use_cache: bool = True, **settings) -> dict:
    """Scrape, then build: one scheduled refresh (the other parameters: the build's settings, see flows.build)."""
    overrides = {"raw": raw, "start": start, "sitemap": sitemap, "urls": urls, "allow": allow}
    report = scrape_task(scrape_config, overrides)
    summary = build(raw=raw, out=out, force=force, use_cache=use_cache, **settings)
    return {"scrape": report, "build": summary}


_refresh.__signature__ = flow_signature(_refresh)  # type: ignore[attr-defined]
refresh = flow(name="refresh", log_prints=False, validate_parameters=False)(_refresh)
