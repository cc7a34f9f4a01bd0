"""HTTP fetching: httpx client, per-host politeness, retries, redirects checked hop by hop, capped bodies."""

from __future__ import annotations

import asyncio
import random
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

import httpx

from .config import ScrapeConfig
from .decompress import ACCEPT_ENCODING, BoundedDecoder, DecodeError, DecodeLimitExceeded
from .net import BlockedAddress, guarded_transport
from .urls import resolve

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DRAIN_BYTES = 64 * 1024  # small error bodies are read so the connection can be reused
Problem = tuple[str, str]  # (cause, detail)
HopCheck = Callable[[str], Awaitable[Problem | None]]
Accept = Callable[[httpx.Response], Problem | None]


@dataclass
class Response:
    """Outcome of fetching one URL (after redirects and retries)."""

    url: str
    final_url: str
    status: int | None = None
    headers: httpx.Headers | None = None
    body: bytes | None = None
    failure: str | None = None
    detail: str = ""
    attempts: int = 0
    http_version: str | None = None  # negotiated protocol of the last response, e.g. "HTTP/1.1", "HTTP/2"

    def header(self, name: str) -> str | None:
        """A response header, or None."""
        return self.headers.get(name) if self.headers is not None else None


class _Fail(Exception):
    def __init__(self, cause: str, detail: str) -> None:
        super().__init__(detail)
        self.cause, self.detail = cause, detail


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class HostPolicy:
    """Per-host politeness: a concurrency limit, a minimum gap between request starts, pauses."""

    def __init__(self, concurrency: int, delay: float, max_delay: float) -> None:
        self._sem = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self.base_delay = self.delay = delay
        self.max_delay = max(max_delay, delay)
        self._next_start = self._last_start = float("-inf")

    def set_crawl_delay(self, seconds: float) -> None:
        """Raise the base delay to a robots.txt Crawl-delay (also for the request already scheduled)."""
        self.base_delay = max(self.base_delay, seconds)
        self.max_delay = max(self.max_delay, self.base_delay)
        self.delay = max(self.delay, self.base_delay)
        self._next_start = max(self._next_start, self._last_start + self.delay)

    def pause(self, seconds: float) -> None:
        """No new request to this host for `seconds`."""
        now = asyncio.get_running_loop().time()
        self._next_start = max(self._next_start, now + seconds)

    def slow_down(self) -> None:
        """Double the gap between requests (429/503), up to max_delay."""
        self.delay = min(self.max_delay, max(self.delay * 2, 0.1))

    def speed_up(self) -> None:
        """Relax the gap by 20% toward the base delay after a success."""
        self.delay = max(self.base_delay, self.delay * 0.8)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the host's request slots, started no sooner than the delay allows."""
        loop = asyncio.get_running_loop()
        async with self._sem:
            while True:
                async with self._lock:
                    now = loop.time()
                    if self._next_start <= now:
                        self._last_start, self._next_start = now, now + self.delay
                        break
                    wait = self._next_start - now
                await asyncio.sleep(wait)  # re-check: a pause may have been set meanwhile
            yield


class Fetcher:
    """Polite GET requests with one shared AsyncClient; use as an async context manager."""

    def __init__(self, config: ScrapeConfig) -> None:
        self.config = config
        self.hosts: dict[str, HostPolicy] = {}
        self.requests = 0
        self.bytes_received = 0
        self._client = httpx.AsyncClient(
            transport=guarded_transport(
                http2=config.http2,
                allow_private=config.allow_private_addresses,
                max_connections=config.workers * config.per_host_concurrency,
                ssl_context=config.ssl_context(),
            ),
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(config.read_timeout, connect=config.connect_timeout, pool=config.request_timeout),
            headers={
                "User-Agent": config.user_agent,
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/xml;q=0.8,*/*;q=0.5",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def host(self, url: str) -> HostPolicy:
        """The politeness state of the URL's host."""
        name = urlsplit(url).hostname or ""
        if name not in self.hosts:
            c = self.config
            self.hosts[name] = HostPolicy(c.per_host_concurrency, c.min_delay, c.max_delay)
        return self.hosts[name]

    async def fetch(
        self,
        url: str,
        *,
        limit: int,
        headers: dict[str, str] | None = None,
        check_hop: HopCheck | None = None,
        accept: Accept | None = None,
    ) -> Response:
        """GET `url`, following redirects only where `check_hop` finds no problem.

        A blocked address is `private_address` on the first hop and
        `out_of_scope_redirect` on later hops.
        """
        current, seen, res = url, {url}, None
        for hop in range(self.config.max_redirects + 1):
            if res is not None and check_hop is not None and (problem := await check_hop(current)):
                return Response(url, current, res.status, res.headers, failure=problem[0], detail=problem[1])
            res = await self._with_retries(current, limit, headers, accept)
            res.url = url
            if res.failure == "private_address" and hop:
                res.failure = "out_of_scope_redirect"
            if res.failure or res.status not in REDIRECTS:
                return res
            location = res.header("location")
            target = resolve(current, location, self.config.tracking_params) if location else None
            if target is None:
                detail = f"redirect to unusable location {location!r}" if location else "redirect without Location"
                cause = "out_of_scope_redirect" if location else "http_status"
                return Response(url, current, res.status, res.headers, failure=cause, detail=detail)
            if target in seen:
                return Response(
                    url, current, res.status, res.headers, failure="redirect_loop", detail=f"loop at {target}"
                )
            seen.add(target)
            current = target
        return Response(
            url, current, failure="too_many_redirects", detail=f"more than {self.config.max_redirects} redirects"
        )

    async def _with_retries(
        self, url: str, limit: int, headers: dict[str, str] | None, accept: Accept | None
    ) -> Response:
        c = self.config
        host = self.host(url)
        for attempt in range(c.max_retries + 1):
            async with host.slot():
                res = await self._attempt(url, limit, headers, accept)
            res.attempts = attempt + 1
            status = res.status or 0
            transient = res.failure in ("timeout", "connection_error", "truncated") or status == 429 or status >= 500
            if not transient:
                if res.failure is None and status < 400:
                    host.speed_up()
                return res
            wait = min(c.max_delay, c.backoff_base * 2**attempt) * random.uniform(0.5, 1.5)
            if status in (429, 503):
                host.slow_down()
                retry_after = parse_retry_after(res.header("retry-after"))
                if retry_after is not None:
                    wait = max(wait, min(retry_after, c.max_retry_after))
                host.pause(wait)
            if attempt == c.max_retries:
                break
            await asyncio.sleep(wait)
        if res.failure is None:
            res.failure, res.detail = "http_status", f"HTTP {res.status} after {res.attempts} attempts"
        else:
            res.detail = f"{res.detail} (after {res.attempts} attempts)"
        return res

    async def _attempt(self, url: str, limit: int, headers: dict[str, str] | None, accept: Accept | None) -> Response:
        self.requests += 1
        res = Response(url, url)
        in_body = False
        try:
            async with asyncio.timeout(self.config.request_timeout):
                request = self._client.build_request("GET", url, headers=headers)
                response = await self._client.send(request, stream=True)
                try:
                    res.status, res.headers = response.status_code, response.headers
                    res.http_version = response.http_version
                    if not 200 <= response.status_code < 300:
                        await self._drain(response)
                        return res
                    if accept is not None and (problem := accept(response)):
                        raise _Fail(*problem)
                    in_body = True
                    res.body = await self._read_body(response, limit)
                finally:
                    await response.aclose()
        except _Fail as exc:
            res.failure, res.detail = exc.cause, exc.detail
        except (TimeoutError, httpx.TimeoutException) as exc:
            res.failure, res.detail = "timeout", f"no complete response within limits ({type(exc).__name__})"
        except BlockedAddress as exc:
            res.failure, res.detail = "private_address", str(exc)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            # A connection that breaks mid-body (short Content-Length, bad chunking, reset) is a cut body.
            res.failure = "truncated" if in_body else "connection_error"
            res.detail = f"{type(exc).__name__}: {exc}"
        if res.failure:
            res.body = None
        return res

    async def _read_body(self, response: httpx.Response, limit: int) -> bytes:
        length = response.headers.get("content-length")
        expected = int(length) if length and length.isdigit() else None
        if expected is not None and expected > limit:
            raise _Fail("too_large", f"Content-Length {expected} > cap {limit}")
        try:
            decoder = BoundedDecoder(response.headers.get("content-encoding"), limit)
        except DecodeError as exc:
            raise _Fail("bad_encoding", str(exc)) from exc
        out, received = bytearray(), 0
        try:
            async for chunk in response.aiter_raw():
                received += len(chunk)
                self.bytes_received += len(chunk)
                if received > limit:
                    raise _Fail("too_large", f"more than {limit} bytes received")
                out += decoder.feed(chunk)
            decoder.finish()
        except DecodeLimitExceeded as exc:
            raise _Fail("decompression_bomb", f"{received} bytes received decode past cap {limit}") from exc
        except DecodeError as exc:
            raise _Fail("truncated" if "ended early" in str(exc) else "bad_encoding", str(exc)) from exc
        if expected is not None and received != expected:
            raise _Fail("truncated", f"received {received} of {expected} bytes")
        return bytes(out)

    async def _drain(self, response: httpx.Response) -> None:
        received = 0
        try:
            async with asyncio.timeout(1.0):
                async for chunk in response.aiter_raw():
                    received += len(chunk)
                    if received > _DRAIN_BYTES:
                        break
        except (httpx.HTTPError, TimeoutError):
            pass
