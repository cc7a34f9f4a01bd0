"""Scrape settings: one pydantic model, loadable from TOML and overridable by CLI flags."""

from __future__ import annotations

import ssl
import tomllib
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .urls import TRACKING_PARAMS, canonicalize

DEFAULT_USER_AGENT = "ingest-bot/0.1 (+https://example.invalid/ingest-bot; set user_agent to your contact URL)"


class ConfigError(ValueError):
    """A scrape configuration that cannot be used (message is one line)."""


class ScrapeConfig(BaseModel):
    """Every knob of `ingest scrape`; field names are the TOML keys and (dashed) the CLI flags."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    start: list[str] = Field(default_factory=list, description="Start URL(s); links on their pages are followed.")
    sitemap: list[str] = Field(default_factory=list, description="Sitemap or sitemap-index URL(s).")
    urls: Path | None = Field(None, description="Text file with one URL per line (# comments allowed).")
    allow: list[str] = Field(
        default_factory=list,
        description="fnmatch patterns a page URL must match; "
        "default: each seed's directory (start) or site (sitemap, urls).",
    )
    raw: Path = Field(Path("raw"), description="Raw store directory (pages/, manifest.jsonl, failures.jsonl).")
    user_agent: str = Field(
        DEFAULT_USER_AGENT, min_length=1, description="User-Agent sent and matched against robots.txt."
    )
    per_host_concurrency: int = Field(2, ge=1, le=16, description="Simultaneous requests per host.")
    min_delay: float = Field(
        1.0, ge=0, description="Minimum seconds between request starts to one host (raised by Crawl-delay)."
    )
    max_delay: float = Field(60.0, gt=0, description="Ceiling for the adaptive per-host delay after 429/503.")
    max_retries: int = Field(3, ge=0, le=10, description="Retries on timeouts, connection errors, 429 and 5xx.")
    backoff_base: float = Field(
        1.0, ge=0, description="First retry backoff in seconds (doubles each retry, with jitter)."
    )
    max_retry_after: float = Field(
        300.0, ge=0, description="Longest Retry-After honoured; longer waits are capped to this."
    )
    max_bytes: int = Field(
        5 * 1024 * 1024, ge=1024, description="Per-response cap on bytes received and bytes decoded."
    )
    max_sitemap_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="Cap for a sitemap, on the wire and decompressed."
    )
    request_timeout: float = Field(60.0, gt=0, description="Total seconds for one request, headers and body included.")
    connect_timeout: float = Field(10.0, gt=0, description="Seconds to establish a connection.")
    read_timeout: float = Field(20.0, gt=0, description="Seconds of silence tolerated while reading.")
    max_redirects: int = Field(5, ge=0, le=20, description="Redirect hops followed per URL (each hop scope-checked).")
    max_pages: int | None = Field(
        None, ge=1, description="Stop discovering new pages after this many per run (none: no limit)."
    )
    max_depth: int | None = Field(None, ge=0, description="Link depth from start pages (none: no limit).")
    follow_links: bool | None = Field(
        None, description="Follow links on fetched pages (default: only when --start is given)."
    )
    allow_private_addresses: bool = Field(
        False, description="Allow loopback/private/link-local addresses (off: blocked at connect)."
    )
    http2: bool = Field(True, description="Offer HTTP/2 (used when the server negotiates it).")
    ca_bundle: Path | None = Field(
        None,
        description="PEM file of extra CA certificates to trust, besides certifi's bundle "
        "(none: certifi's bundle only). Certificates are always verified.",
    )
    conditional: bool = Field(True, description="Revalidate stored pages with If-None-Match / If-Modified-Since.")
    workers: int = Field(8, ge=1, le=256, description="Concurrent crawl tasks across all hosts.")
    tracking_params: list[str] = Field(
        default_factory=lambda: list(TRACKING_PARAMS),
        description="Query parameters dropped from URLs (fnmatch, case-insensitive).",
    )

    @field_validator("start", "sitemap")
    @classmethod
    def _absolute(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if canonicalize(url) is None:
                raise ValueError(f"not an absolute http(s) URL: {url!r}")
        return urls

    @model_validator(mode="after")
    def _check(self) -> ScrapeConfig:
        if not (self.start or self.sitemap or self.urls):
            raise ValueError("give at least one of start, sitemap, urls")
        if self.max_delay < self.min_delay:
            raise ValueError("max_delay must be >= min_delay")
        return self

    @property
    def follow(self) -> bool:
        """Whether links found on pages are queued."""
        return bool(self.start) if self.follow_links is None else self.follow_links

    def seed_urls(self) -> list[str]:
        """URLs listed in the --urls file (blank lines and # comments ignored)."""
        if self.urls is None:
            return []
        try:
            text = self.urls.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read urls file {self.urls}: {exc.strerror}") from exc
        return [s for line in text.splitlines() if (s := line.split("#", 1)[0].strip())]

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context for HTTPS: certifi's CA bundle plus `ca_bundle`, verification always on."""
        context = httpx.create_ssl_context(trust_env=False)
        if self.ca_bundle is not None:
            try:
                context.load_verify_locations(cafile=self.ca_bundle)
            except ssl.SSLError as exc:
                raise ConfigError(f"no usable CA certificates in {self.ca_bundle}: {exc}") from exc
            except OSError as exc:
                raise ConfigError(f"cannot read ca_bundle {self.ca_bundle}: {exc.strerror or exc}") from exc
        return context


def read_toml(path: Path) -> dict[str, Any]:
    """Settings from a TOML file: top-level keys, or the keys of a `[scrape]` table if present."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from exc
    table = data.get("scrape", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [scrape] must be a table")
    return table


def load_config(path: Path | None = None, **overrides: Any) -> ScrapeConfig:
    """Build a ScrapeConfig from an optional TOML file, then overrides whose value is not None."""
    values = read_toml(path) if path is not None else {}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ScrapeConfig.model_validate(values)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise ConfigError(_one_line(exc)) from exc


def _one_line(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "config"
        return f"{loc}: {first.get('msg', 'invalid')}"
    return str(exc).splitlines()[0]
