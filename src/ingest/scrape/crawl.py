"""Crawl orchestration: frontier, workers, outcomes, resume. Entry point: scrape()."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, Field

from .config import ScrapeConfig
from .decompress import DecodeLimitExceeded
from .fetch import Fetcher, Problem, Response
from .links import extract_links
from .robots import MAX_ROBOTS_BYTES, RobotsRules, rules_for_status
from .sitemap import BadSitemap, HostileXML, parse_sitemap
from .state import CrawlState, Item
from .store import STATE_DIR, SUFFIXES, RawStore, charset_of, mime_type, store_lock, suffix_for, utc_now
from .urls import canonicalize, directory_scope, in_scope, origin, site_scope, url_key

#: Causes recorded as "skipped" (nothing was fetched, by policy); every other cause is "failed".
SKIP_CAUSES = frozenset(
    {
        "robots_disallowed",
        "out_of_scope",
        "private_address",
        "unsupported_content_type",
        "max_depth",
        "max_pages",
        "bad_url",
    }
)


class ScrapeReport(BaseModel):
    """Totals for a crawl run (counts cover the whole run, including before a resume)."""

    run_id: str
    resumed: bool = False
    fetched: int = 0
    not_modified: int = 0
    gone: int = 0
    sitemaps: int = 0
    failed: dict[str, int] = Field(default_factory=dict)
    skipped: dict[str, int] = Field(default_factory=dict)
    bytes: int = 0
    requests: int = 0
    elapsed: float = 0.0


#: Seconds a scrape waits for the raw store's lock (held by another scrape or `ingest gc --raw`).
LOCK_WAIT = 600.0


def scrape(config: ScrapeConfig, lock_wait: float = LOCK_WAIT) -> ScrapeReport:
    """Run (or resume) a crawl to completion and return its report. Blocking.

    Holds the raw store's lock for the whole crawl (raises StoreBusy after `lock_wait` s)."""
    config.raw.mkdir(parents=True, exist_ok=True)
    with store_lock(config.raw, wait=lock_wait):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(_Crawl(config).run())
        with ThreadPoolExecutor(1) as pool:  # called from async code: keep its loop free
            return pool.submit(lambda: asyncio.run(_Crawl(config).run())).result()


def _accept_page(response: httpx.Response) -> Problem | None:
    mime = mime_type(response.headers.get("content-type"))
    if mime and mime not in SUFFIXES:
        return "unsupported_content_type", mime
    return None


class _Crawl:
    def __init__(self, config: ScrapeConfig) -> None:
        self.c = config
        self.robots: dict[str, RobotsRules] = {}
        self.robots_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.queued: set[tuple[str, str]] = set()

    async def run(self) -> ScrapeReport:
        t0 = time.monotonic()
        self.c.raw.mkdir(parents=True, exist_ok=True)
        self.store = RawStore(self.c.raw)
        self.state = CrawlState(self.c.raw / STATE_DIR)
        self.queue: asyncio.Queue[Item] = asyncio.Queue()
        try:
            async with Fetcher(self.c) as self.fetcher:
                self._seed()
                self._reconcile()
                for item in self.state.pending():
                    self._enqueue(item)
                workers = [asyncio.create_task(self._worker()) for _ in range(self.c.workers)]
                joined = asyncio.create_task(self.queue.join())
                done, _ = await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
                for task in (joined, *workers):
                    task.cancel()
                await asyncio.gather(joined, *workers, return_exceptions=True)
                for task in done - {joined}:  # a worker only ends by failing to record (e.g. disk full)
                    raise task.exception() or RuntimeError("crawl worker stopped")
            self.state.finish()
            return self._report(time.monotonic() - t0)
        finally:
            self.store.close()
            self.state.close()

    @contextmanager
    def _txn(self) -> Iterator[None]:
        # Manifest/failure lines are written inside, before COMMIT: a crash in between is
        # repaired on resume by _reconcile (pages) or by redoing the item (everything else).
        self.state.begin()
        try:
            yield
        except BaseException:
            self.state.rollback()
            raise
        self.state.commit()

    # -- frontier -----------------------------------------------------------------------

    def _seed(self) -> None:
        c = self.c
        listed = c.seed_urls()
        starts = [u for u in map(canonicalize, c.start) if u]
        sitemaps = [u for u in map(canonicalize, c.sitemap) if u]
        self.allow = list(c.allow) or sorted(
            {directory_scope(u) for u in starts}
            | {site_scope(u) for u in sitemaps}
            | {site_scope(u) for u in map(canonicalize, listed) if u}
        )
        self.page_total = self.state.page_count()
        with self._txn():
            for raw in c.start + listed:
                self._offer_page(canonicalize(raw), 0, None, raw=raw)
            for url in sitemaps:
                self._offer(Item("sitemap", url_key(url), url))

    def _offer(self, item: Item, skip: Problem | None = None) -> bool:
        """Add an item to the run once; True if it was queued."""
        if skip is None:
            if self.state.add(item):
                self._enqueue(item)
                return True
        elif self.state.add(item, f"skipped:{skip[0]}"):
            self._log(item, "skipped", *skip)
        return False

    def _enqueue(self, item: Item) -> None:
        if (item.kind, item.key) not in self.queued:
            self.queued.add((item.kind, item.key))
            self.queue.put_nowait(item)

    def _offer_page(self, url: str | None, depth: int, found_on: str | None, raw: str | None = None) -> None:
        c = self.c
        if url is None:
            if raw is not None:  # unusable links on pages are ignored; unusable seeds are reported
                self._offer(Item("page", raw, raw, depth, found_on), ("bad_url", "not an absolute http(s) URL"))
            return
        item = Item("page", url_key(url), url, depth, found_on)
        skip: Problem | None = None
        if not in_scope(url, self.allow):
            skip = "out_of_scope", "not matched by allow patterns"
        elif c.max_depth is not None and depth > c.max_depth:
            skip = "max_depth", f"depth {depth} > {c.max_depth}"
        elif c.max_pages is not None and self.page_total >= c.max_pages:
            skip = "max_pages", f"run already has {c.max_pages} pages"
        self.page_total += self._offer(item, skip)

    def _log(self, item: Item, kind: str, cause: str, detail: str, res: Response | None = None) -> None:
        self.store.fail(
            {
                "url": item.url,
                "kind": kind,
                "cause": cause,
                "detail": detail,
                "status": res.status if res else None,
                "final_url": res.final_url if res else None,
                "http_version": res.http_version if res else None,
                "found_on": item.found_on,
                "run_id": self.state.run_id,
                "at": utc_now(),
            }
        )

    def _fail(self, item: Item, cause: str, detail: str, res: Response | None = None) -> None:
        kind = "skipped" if cause in SKIP_CAUSES else "failed"
        self._log(item, kind, cause, detail, res)
        self.state.complete(item, f"{kind}:{cause}")

    def _reconcile(self) -> None:
        """Pages whose manifest line was written by this run but whose state was not committed."""
        if not self.state.resumed:
            return
        for item in self.state.pending():
            entry = self.store.latest.get(item.key)
            if item.kind != "page" or not entry or entry.get("fetched_at", "") < self.state.started_at:
                continue
            with self._txn():
                self.state.complete(
                    item, entry["event"], (entry.get("size") or 0) if entry["event"] == "fetched" else 0
                )
                if entry["event"] == "fetched":
                    body = (self.c.raw / entry["path"]).read_bytes()
                    self._after_fetch(item, entry["final_url"], body, entry["path"], entry.get("encoding_header"))

    # -- workers ------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                if self.state.is_pending(item):
                    await (self._page(item) if item.kind == "page" else self._sitemap(item))
            except Exception as exc:  # one bad URL never stops the crawl
                with self._txn():
                    self._fail(item, "internal_error", f"{type(exc).__name__}: {exc}")
            finally:
                self.queue.task_done()

    async def _robots(self, url: str) -> RobotsRules:
        key = origin(url)
        async with self.robots_locks[key]:
            if key not in self.robots:
                host = urlsplit(url).hostname

                async def same_host(target: str) -> Problem | None:
                    ok = urlsplit(target).hostname == host
                    return None if ok else ("out_of_scope_redirect", f"robots.txt redirected to {target}")

                res = await self.fetcher.fetch(f"{key}/robots.txt", limit=MAX_ROBOTS_BYTES, check_hop=same_host)
                if res.failure == "private_address":
                    rules = RobotsRules(disallow_all=True, deny_cause="private_address", note=res.detail)
                else:
                    text = res.body.decode("utf-8", "replace") if res.body is not None else None
                    rules = rules_for_status(None if res.failure else res.status, text, self.c.user_agent)
                if rules.crawl_delay:
                    self.fetcher.host(url).set_crawl_delay(rules.crawl_delay)
                self.robots[key] = rules
        return self.robots[key]

    async def _disallowed(self, url: str) -> Problem | None:
        rules = await self._robots(url)
        if rules.allowed(url, self.c.user_agent):
            return None
        return rules.deny_cause, rules.note or f"disallowed by robots.txt: {url}"

    async def _page_hop(self, target: str) -> Problem | None:
        if not in_scope(target, self.allow):
            return "out_of_scope_redirect", f"redirect to {target} is outside the allow patterns"
        return await self._disallowed(target)

    async def _page(self, item: Item) -> None:
        if problem := await self._disallowed(item.url):
            with self._txn():
                self._fail(item, *problem)
            return
        prev = self.store.previous(item.key) if self.c.conditional else None
        headers = {}
        if prev and prev.get("etag"):
            headers["If-None-Match"] = prev["etag"]
        if prev and prev.get("last_modified"):
            headers["If-Modified-Since"] = prev["last_modified"]
        res = await self.fetcher.fetch(
            item.url, limit=self.c.max_bytes, headers=headers, check_hop=self._page_hop, accept=_accept_page
        )
        with self._txn():
            self._page_result(item, res, prev)

    def _page_result(self, item: Item, res: Response, prev: dict[str, Any] | None) -> None:
        status = res.status or 0
        if res.failure:
            return self._fail(item, res.failure, res.detail, res)
        if status == 304 and prev:
            self._record(item, res, "not_modified", prev, fresh=False)
            self.state.complete(item, "not_modified")
        elif status in (404, 410):
            self._record(item, res, "gone", prev or {}, fresh=False)
            self.state.complete(item, "gone")
        elif 200 <= status < 300 and res.body is not None:
            ctype = res.header("content-type")
            suffix = suffix_for(ctype, res.body)
            if suffix is None:
                return self._fail(
                    item, "unsupported_content_type", mime_type(ctype) or "unknown (no Content-Type)", res
                )
            sha, path = self.store.save(res.body, suffix)
            self._record(item, res, "fetched", {"sha256": sha, "path": path, "size": len(res.body)}, fresh=True)
            self.state.complete(item, "fetched", len(res.body))
            self._after_fetch(item, res.final_url, res.body, path, charset_of(ctype))
        else:
            self._fail(item, "http_status", f"HTTP {status}", res)

    def _record(self, item: Item, res: Response, event: str, stored: dict[str, Any], fresh: bool) -> None:
        """Append the manifest line; `stored` supplies path/sha256/size (and metadata unless fresh)."""
        ctype = res.header("content-type") if fresh else stored.get("content_type")
        keep = event == "not_modified"
        self.store.record(
            {
                "url": item.url,
                "final_url": res.final_url,
                "status": res.status,
                "http_version": res.http_version,
                "content_type": ctype,
                "etag": res.header("etag") or (stored.get("etag") if keep else None),
                "last_modified": res.header("last-modified") or (stored.get("last_modified") if keep else None),
                "date": res.header("date"),
                "fetched_at": utc_now(),
                "sha256": stored.get("sha256"),
                "size": stored.get("size"),
                "path": stored.get("path"),
                "encoding_header": charset_of(ctype) if fresh else stored.get("encoding_header"),
                "event": event,
                "mtime_ns": self.store.mtime_ns(stored.get("path")),
            }
        )

    def _after_fetch(self, item: Item, final_url: str, body: bytes, path: str, charset: str | None) -> None:
        final_key = url_key(final_url)
        if final_key != item.key:
            self.state.mark_alias(final_key, final_url)
        if self.c.follow and path.endswith(".html"):
            for link in extract_links(body, final_url, charset, self.c.tracking_params):
                self._offer_page(link, item.depth + 1, item.url)

    async def _sitemap(self, item: Item) -> None:
        if problem := await self._disallowed(item.url):
            with self._txn():
                self._fail(item, *problem)
            return
        home = origin(item.url)

        async def same_site(target: str) -> Problem | None:
            if origin(target) != home:
                return "out_of_scope_redirect", f"sitemap redirected to {target}"
            return await self._disallowed(target)

        limit = self.c.max_sitemap_bytes
        res = await self.fetcher.fetch(item.url, limit=limit, check_hop=same_site)
        with self._txn():
            if res.failure or not 200 <= (res.status or 0) < 300 or res.body is None:
                return self._fail(item, res.failure or "http_status", res.detail or f"HTTP {res.status}", res)
            try:
                sitemap = parse_sitemap(res.body, limit)
            except HostileXML as exc:
                return self._fail(item, "hostile_xml", str(exc), res)
            except DecodeLimitExceeded as exc:
                return self._fail(item, "decompression_bomb", str(exc), res)
            except BadSitemap as exc:
                return self._fail(item, "bad_sitemap", str(exc), res)
            self.state.complete(item, "sitemap")
            for loc in sitemap.sitemaps:
                url = canonicalize(loc, self.c.tracking_params)
                if url is not None:
                    child = Item("sitemap", url_key(url), url, 0, item.url)
                    self._offer(
                        child, None if origin(url) == home else ("out_of_scope", "child sitemap on another site")
                    )
            for loc in sitemap.pages:
                self._offer_page(canonicalize(loc, self.c.tracking_params), 0, item.url)

    def _report(self, elapsed: float) -> ScrapeReport:
        counts, size = self.state.outcomes()
        grouped: dict[str, dict[str, int]] = {"failed": {}, "skipped": {}}
        for outcome, n in counts.items():
            kind, _, cause = outcome.partition(":")
            if kind in grouped:
                grouped[kind][cause] = n
        return ScrapeReport(
            run_id=self.state.run_id,
            resumed=self.state.resumed,
            fetched=counts["fetched"],
            not_modified=counts["not_modified"],
            gone=counts["gone"],
            sitemaps=counts["sitemap"],
            failed=grouped["failed"],
            skipped=grouped["skipped"],
            bytes=size,
            requests=self.fetcher.requests,
            elapsed=round(elapsed, 3),
        )
