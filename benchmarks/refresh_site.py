"""A synthetic procedure site that changes every night, served over HTTP on 127.0.0.1.

Invented text (pseudo-words), one procedure per page with its own CPT-like code, so every
page is its own record; a night changes some pages' content, retitles some and removes
some (410). Responses carry an ETag and answer If-None-Match with 304, like a real site.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_SYL = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "xe", "za", "pe", "qui", "dor", "fen", "gal", "hir",
        "jun", "bel", "cor", "dra", "mul", "nis", "ost", "pra", "sil", "tor", "urn", "vel", "wim", "yar"]
_WORDS = sorted({a + b + c for a in _SYL for b in _SYL for c in ("", "a", "en", "is", "or", "um")})


def _words(r: random.Random, n: int) -> str:
    return " ".join(r.choice(_WORDS) for _ in range(n))


def code_of(i: int) -> str:
    """The page's CPT-like code (one per page: every page is its own record)."""
    return f"{20000 + i:05d}"


def title_of(i: int, title_version: int) -> str:
    """The page's procedure name in a given title version."""
    r = random.Random(f"title:{i}:{title_version}")
    return " ".join(w.capitalize() for w in _words(r, 3).split()) + " procedure"


def render(i: int, version: int, title_version: int) -> bytes:
    """Page i's HTML for a content version and a title version (deterministic)."""
    r = random.Random(f"page:{i}:{version}")
    code, title = code_of(i), title_of(i, title_version)
    nav = "".join(f'<li><a href="/cpt/{20000 + k}/">{_words(random.Random(k), 2)}</a></li>' for k in range(120))

    def items(n: int, words: int) -> str:
        return "".join(f"<li>{_words(r, words).capitalize()}.</li>" for _ in range(n))

    body = (f"<h1>CPT {code}: {title}</h1>"
            f"<h2>Overview</h2><p>{title} is a procedure. {_words(r, 60).capitalize()}.</p>"
            f"<h2>Why is it done</h2><p>The goal is {_words(r, 40)}.</p>"
            f"<h2>Preparation</h2><ul>{items(4, 10)}</ul>"
            f"<h2>Procedure steps</h2><ol>{items(5, 12)}</ol>"
            f"<h2>Risks</h2><ul>{items(4, 6)}</ul>"
            f"<h2>Recovery</h2><ul>{items(3, 10)}</ul>")
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>CPT {code} {title}</title></head><body>"
            f"<nav><ul>{nav}</ul></nav><main><article>{body}</article></main>"
            f"<footer><p>Invented benchmark site. {_words(random.Random(0), 80)}</p></footer></body></html>").encode()


@dataclass
class Page:
    """The live state of one URL."""

    version: int = 0
    title_version: int = 0
    removed: bool = False
    body: bytes = b""
    etag: str = ""


@dataclass
class NightlySite:
    """n pages at /cpt/<code>/; `night()` applies one night of changes and returns them."""

    n: int
    seed: int = 1
    pages: dict[int, Page] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for i in range(self.n):
            self.pages[i] = self._set(Page())
        self._rng = random.Random(f"nights:{self.seed}")

    @staticmethod
    def path(i: int) -> str:
        return f"/cpt/{code_of(i)}/"

    def _set(self, page: Page, i: int | None = None) -> Page:
        idx = i if i is not None else len(self.pages)
        page.body = render(idx, page.version, page.title_version)
        page.etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        return page

    def night(self, share: float = 0.05, retitled: float = 0.2, removed: float = 0.1) -> dict[str, list[int]]:
        """Change `share` of the live pages: a `retitled` part gets a new title, a `removed`
        part answers 410 from now on, the rest gets new content."""
        live = sorted(i for i, p in self.pages.items() if not p.removed)
        picked = self._rng.sample(live, max(1, round(len(live) * share)))
        n_retitle, n_remove = round(len(picked) * retitled), round(len(picked) * removed)
        out = {"retitled": sorted(picked[:n_retitle]), "removed": sorted(picked[n_retitle:n_retitle + n_remove]),
               "changed": sorted(picked[n_retitle + n_remove:])}
        with self.lock:
            for i in out["retitled"]:
                self.pages[i].title_version += 1
                self._set(self.pages[i], i)
            for i in out["changed"]:
                self.pages[i].version += 1
                self._set(self.pages[i], i)
            for i in out["removed"]:
                self.pages[i].removed = True
        return out

    def serve(self) -> "SiteServer":
        return SiteServer(self)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        site = self.server.site
        if self.path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        parts = self.path.strip("/").split("/")
        i = int(parts[1]) - 20000 if len(parts) == 2 and parts[0] == "cpt" and parts[1].isdigit() else -1
        with site.lock:
            page = site.pages.get(i)
            if page is None:
                return self._send(404, b"not here", {"Content-Type": "text/plain"})
            if page.removed:
                return self._send(410, b"gone", {"Content-Type": "text/plain"})
            body, etag = page.body, page.etag
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", {"ETag": etag})
        self._send(200, body, {"Content-Type": "text/html; charset=utf-8", "ETag": etag})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: NightlySite


class SiteServer:
    """The site on 127.0.0.1 (a free port), in a thread."""

    def __init__(self, site: NightlySite) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = site
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
