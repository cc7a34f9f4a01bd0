"""URL canonicalisation (one identity per page) and scope checks."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

#: Query parameters that never change which page a URL names (matched with fnmatch).
TRACKING_PARAMS: tuple[str, ...] = (
    "utm_*",
    "gclid",
    "gclsrc",
    "dclid",
    "fbclid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "igshid",
    "mkt_tok",
    "ref",
    "ref_src",
)

SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _is_tracking(name: str, tracking: Iterable[str]) -> bool:
    name = unquote(name).lower()
    return any(fnmatchcase(name, pat.lower()) for pat in tracking)


def canonicalize(url: str, tracking: Iterable[str] = TRACKING_PARAMS) -> str | None:
    """Canonical fetch form of an absolute http(s) URL, or None if it is not one.

    Drops the fragment and tracking parameters, lower-cases scheme and host, drops the
    default port, resolves dot segments, collapses duplicate slashes, sorts the query.
    """
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if scheme not in SCHEMES or not host or any(c in host for c in " /\\@"):
        return None
    host = host.rstrip(".")
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if parts.username is not None or parts.password is not None:
        return None  # credentials in URLs are never crawled
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = quote(parts.path, safe=_PATH_SAFE)
    while "//" in path:
        path = path.replace("//", "/")
    path = _remove_dot_segments(path or "/")
    params = [
        quote(p, safe=_QUERY_SAFE)
        for p in parts.query.split("&")
        if p and not _is_tracking(p.split("=", 1)[0], tracking)
    ]
    return urlunsplit((scheme, netloc, path, "&".join(sorted(params)), ""))


def url_key(url: str) -> str:
    """Identity of a canonical URL: a trailing slash on a non-root path does not count."""
    head, sep, query = url.partition("?")
    scheme_end = head.find("://") + 3
    slash = head.find("/", scheme_end)
    if slash != -1 and len(head) - slash > 1:
        head = head.rstrip("/") or head
    return head + sep + query


def resolve(base: str, href: str, tracking: Iterable[str] = TRACKING_PARAMS) -> str | None:
    """Canonical absolute URL of `href` relative to `base` (None for non-http links)."""
    try:
        return canonicalize(urljoin(base, href.strip()), tracking)
    except ValueError:
        return None


def origin(url: str) -> str:
    """`scheme://host[:port]` of a canonical URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def in_scope(url: str, patterns: Iterable[str]) -> bool:
    """True if the canonical URL matches any fnmatch pattern (case-sensitive, `*` spans `/`)."""
    return any(fnmatchcase(url, pat) for pat in patterns)


def directory_scope(url: str) -> str:
    """Default allow pattern for a start URL: everything under its directory."""
    head = url.split("?", 1)[0]
    return head[: head.rfind("/") + 1] + "*"


def site_scope(url: str) -> str:
    """Default allow pattern for sitemap / URL-list seeds: everything on that origin."""
    return origin(url) + "/*"
