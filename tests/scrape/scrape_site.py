"""A threaded HTTP/1.1 fixture server with full control of the socket, and a fake procedure site."""

from __future__ import annotations

import gzip
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import brotli

from ingest.scrape.config import ScrapeConfig

Handler = Callable[["_Handler"], None]
UA = "ingest-test-bot/0.1 (+https://example.invalid/contact)"


def fast_config(raw: Path, **overrides: Any) -> ScrapeConfig:
    """Test settings: tiny delays, small caps, private addresses allowed (the server is 127.0.0.1)."""
    values: dict[str, Any] = dict(
        raw=raw,
        user_agent=UA,
        allow_private_addresses=True,
        min_delay=0.02,
        max_delay=2.0,
        max_retries=1,
        backoff_base=0.05,
        request_timeout=1.0,
        read_timeout=0.5,
        connect_timeout=1.0,
        max_bytes=200_000,
        max_sitemap_bytes=1_000_000,
        workers=4,
    )
    values.update(overrides)
    return ScrapeConfig(**values)


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str
    host: str
    headers: dict[str, str]
    start: float
    end: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        site = self.server.site
        hit = Hit(
            self.path, self.headers.get("Host", ""), {k.lower(): v for k, v in self.headers.items()}, time.monotonic()
        )
        with site.lock:
            site.hits.append(hit)
        try:
            route = site.routes.get(self.path) or site.routes.get(self.path.split("?", 1)[0])
            if route is None:
                send(self, 404, b"<html><body>not here</body></html>")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            hit.end = time.monotonic()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: "Site"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response is what several routes test


def send(
    h: _Handler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_type: str | None = "text/html; charset=utf-8",
) -> None:
    """Write a complete response with Content-Length."""
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def client_gone(h: _Handler, wait: float) -> bool:
    """Wait up to `wait` seconds for the client to hang up; True if it did."""
    ready, _, _ = select.select([h.connection], [], [], wait)
    if not ready:
        return False
    try:
        return h.connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def wait_for_client_close(h: _Handler, limit: float) -> None:
    """Hold the connection open (sending nothing) until the client hangs up or `limit` passes."""
    h.close_connection = True
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not client_gone(h, 0.05):
        pass


@dataclass
class Site:
    """A running fixture server: add routes, read `hits` afterwards."""

    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "Site":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def page(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve a fixed 200 response."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = lambda h: send(h, 200, data, headers, content_type)

    def paths(self) -> list[str]:
        with self.lock:
            return [hit.path for hit in self.hits]

    def count(self, path: str) -> int:
        return self.paths().count(path)


def max_concurrency(hits: list[Hit], slack: float = 0.03) -> int:
    """Most requests the server was handling at once; a request whose response ended less than
    `slack` seconds before another started is not counted as overlapping (socket-close latency)."""
    events = sorted(
        [(h.start, 1) for h in hits] + [(h.end - slack if h.end else float("inf"), -1) for h in hits],
        key=lambda e: (e[0], e[1]),
    )
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def procedure_page(code: str, title: str, links: list[str] = ()) -> str:
    """A short fake procedure page (invented text)."""
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f"<!doctype html><html><head><title>{code} {title}</title></head><body>"
        f"<h1>{code}: {title}</h1><p>Fixture description of procedure {code} for crawler tests. "
        f"Typical duration is a made-up number of minutes.</p><ul>{anchors}</ul></body></html>"
    )


def http_date(offset: float = 0.0) -> str:
    """An HTTP-date `offset` seconds from now."""
    return formatdate(time.time() + offset, usegmt=True)


def gzip_bomb(size: int) -> bytes:
    """gzip of `size` zero bytes (about size/1000 bytes compressed)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


LAST_MODIFIED = "Tue, 04 Mar 2025 10:00:00 GMT"
CP1252_BODY = (
    b"<html><head><title>Office visit</title></head><body>"
    b"<p>\x93Established patient\x94 visit, caf\xe9 consult \x96 fixture text.</p></body></html>"
)


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def _urlset(locs: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return _xml(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


def build_procedure_site(site: Site, delay: float = 0.15) -> dict[str, object]:
    """The hostile little procedure-code site; returns mutable switches (e.g. 'removed')."""
    b, port = site.base, site.port
    state: dict[str, object] = {"removed": False, "counts": {}}

    def once(path: str, first: Callable[[_Handler], None]) -> Handler:
        def route(h: _Handler) -> None:
            n = state["counts"][path] = state["counts"].get(path, 0) + 1
            if n == 1:
                first(h)
            else:
                send(h, 200, procedure_page(path.rsplit("/", 1)[-1], "Recovered page").encode())

        return route

    site.page(
        "/robots.txt",
        f"User-agent: *\nDisallow: /cpt/private/\nCrawl-delay: {delay}\n\nUser-agent: other-bot\nDisallow: /\n",
        "text/plain",
    )
    links = [
        "99213",
        "99213?utm_source=newsletter&utm_medium=email",
        "99213#fees",
        "./99213/",
        "/cpt/99213?mc_cid=abc&ref=home",
        "99214?b=2&a=1&fbclid=XYZ",
        "old-99215",
        "private/notes",
        "https://other.example/cpt/1",
        "mailto:codes@example.invalid",
        "../other/outside",
        "moved",
        "to-file",
        "busy",
        "busy-date",
        "flaky",
        "stall",
        "trickle",
        "cut",
        "gz",
        "br",
        "huge",
        "huge-cl",
        "bomb",
        "cp1252",
        "notes.txt",
        "chart.png",
        "missing",
        "removed",
        "etag",
        "lastmod",
    ]
    site.page("/cpt/", procedure_page("CPT", "Procedure index", links))
    for code in ("99213", "99214", "99215", "sitemap-only", "from-gz-sitemap"):
        site.page(f"/cpt/{code}", procedure_page(code, f"Procedure {code}"))
    site.page("/cpt/99214?a=1&b=2", procedure_page("99214", "Procedure 99214 sorted"))
    site.routes["/cpt/old-99215"] = lambda h: send(h, 301, b"", {"Location": "/cpt/99215"})
    site.routes["/cpt/moved"] = lambda h: send(h, 301, b"", {"Location": f"http://localhost:{port}/cpt/99213"})
    site.routes["/cpt/to-file"] = lambda h: send(h, 302, b"", {"Location": "file:///etc/passwd"})
    site.routes["/cpt/busy"] = once("/cpt/busy", lambda h: send(h, 429, b"slow down", {"Retry-After": "1"}))
    site.routes["/cpt/busy-date"] = once("/cpt/busy-date", lambda h: send(h, 503, b"", {"Retry-After": http_date(2)}))
    site.routes["/cpt/flaky"] = once("/cpt/flaky", lambda h: send(h, 500, b"oops"))
    site.routes["/cpt/stall"] = lambda h: wait_for_client_close(h, 10)

    def trickle(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.close_connection = True
        for _ in range(200):  # a byte every 50 ms: never idle long enough for a read timeout
            h.wfile.write(b"<")
            h.wfile.flush()
            if client_gone(h, 0.05):
                return

    def cut(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(procedure_page("CUT", "Cut short").encode()[:100])
        h.close_connection = True

    def huge(h: _Handler) -> None:  # no Content-Length: the cap must be enforced while streaming
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        for _ in range(60):
            h.wfile.write(b"<p>" + b"x" * 10_000 + b"</p>")

    site.routes["/cpt/trickle"] = trickle
    site.routes["/cpt/cut"] = cut
    site.routes["/cpt/huge"] = huge
    site.page("/cpt/huge-cl", b"<p>" + b"y" * 600_000)
    site.page(
        "/cpt/gz", gzip.compress(procedure_page("GZ", "Gzipped page").encode()), headers={"Content-Encoding": "gzip"}
    )
    site.page(
        "/cpt/br", brotli.compress(procedure_page("BR", "Brotli page").encode()), headers={"Content-Encoding": "br"}
    )
    site.page("/cpt/bomb", gzip_bomb(10_000_000), headers={"Content-Encoding": "gzip"})
    site.page("/cpt/cp1252", CP1252_BODY, "text/html; charset=windows-1252")
    site.page("/cpt/notes.txt", "Plain text notes about procedure codes.\n", "text/plain; charset=utf-8")
    site.page("/cpt/chart.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")

    def removed(h: _Handler) -> None:
        if state["removed"]:
            send(h, 410, b"<html>gone</html>")
        else:
            send(h, 200, procedure_page("REMOVED", "Soon retired").encode())

    def etag(h: _Handler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, b"", {"ETag": '"v1"'}, content_type=None)
        else:
            send(h, 200, procedure_page("ETAG", "Revalidated by ETag").encode(), {"ETag": '"v1"'})

    def lastmod(h: _Handler) -> None:
        if h.headers.get("If-Modified-Since") == LAST_MODIFIED:
            send(h, 304, b"", content_type=None)
        else:
            send(h, 200, procedure_page("LM", "Revalidated by date").encode(), {"Last-Modified": LAST_MODIFIED})

    site.routes["/cpt/removed"] = removed
    site.routes["/cpt/etag"] = etag
    site.routes["/cpt/lastmod"] = lastmod

    site.page(
        "/sitemap_index.xml",
        _xml(
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(
                f"<sitemap><loc>{loc}</loc></sitemap>"
                for loc in (
                    f"{b}/sitemaps/cpt.xml",
                    f"{b}/sitemaps/more.xml.gz",
                    f"{b}/sitemaps/xxe.xml",
                    f"{b}/sitemaps/lol.xml",
                    f"{b}/sitemaps/bomb.xml.gz",
                    f"http://localhost:{port}/sitemaps/elsewhere.xml",
                )
            )
            + "</sitemapindex>"
        ),
        "application/xml",
    )
    site.page(
        "/sitemaps/cpt.xml",
        _urlset(
            [
                f"{b}/cpt/99214?a=1&amp;b=2&amp;gclid=1",
                f"{b}/cpt/sitemap-only",
                f"{b}/cpt/99213?utm_campaign=spring",
                f"{b}/cpt/etag",
                f"{b}/cpt/lastmod",
            ]
        ),
        "application/xml",
    )
    site.page("/sitemaps/more.xml.gz", gzip.compress(_urlset([f"{b}/cpt/from-gz-sitemap"])), "application/gzip")
    site.page(
        "/sitemaps/xxe.xml",
        _xml(
            '<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{b}/cpt/&xxe;</loc></url></urlset>'
        ),
        "application/xml",
    )
    lol = "".join(f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 10))
    site.page(
        "/sitemaps/lol.xml",
        _xml(
            f'<!DOCTYPE urlset [<!ENTITY l0 "lol">{lol}]>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{b}/cpt/&l9;</loc></url></urlset>'
        ),
        "application/xml",
    )
    site.page("/sitemaps/bomb.xml.gz", gzip_bomb(20_000_000), "application/gzip")
    return state
