"""URL canonicalisation and scope: examples plus hypothesis properties."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.scrape.urls import TRACKING_PARAMS, canonicalize, directory_scope, in_scope, resolve, site_scope, url_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Codes.Example:443/cpt/99213#fees", "https://codes.example/cpt/99213"),
        ("http://codes.example:80", "http://codes.example/"),
        ("http://codes.example:8080/a", "http://codes.example:8080/a"),
        ("https://codes.example/cpt/?utm_source=x&b=2&a=1&gclid=9&fbclid=1", "https://codes.example/cpt/?a=1&b=2"),
        ("https://codes.example/a/./b/../c//d", "https://codes.example/a/c/d"),
        ("https://codes.example/a b", "https://codes.example/a%20b"),
        ("https://codes.example/x?MC_CID=1&mc_eid=2&ref=home&q=1", "https://codes.example/x?q=1"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
    ],
)
def test_canonicalize_examples(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "file:///etc/passwd",
        "mailto:a@b",
        "javascript:void(0)",
        "/relative",
        "http://",
        "https://user:pw@codes.example/",
        "http://codes.example:99999/",
    ],
)
def test_not_crawlable(raw: str) -> None:
    assert canonicalize(raw) is None


def test_trailing_slash_does_not_change_identity() -> None:
    assert url_key("https://codes.example/cpt/") == url_key("https://codes.example/cpt") == "https://codes.example/cpt"
    assert url_key("https://codes.example/") == "https://codes.example/"
    assert url_key("https://codes.example/cpt/?a=1") == "https://codes.example/cpt?a=1"


def test_resolve_and_scope() -> None:
    base = "https://codes.example/cpt/index.html"
    assert resolve(base, "../hcpcs/A0001?utm_medium=x") == "https://codes.example/hcpcs/A0001"
    assert resolve(base, "mailto:x@y") is None
    assert directory_scope("https://codes.example/cpt/index.html") == "https://codes.example/cpt/*"
    assert site_scope("https://codes.example/sitemap.xml") == "https://codes.example/*"
    allow = ["https://codes.example/cpt/*"]
    assert in_scope("https://codes.example/cpt/99213", allow)
    assert not in_scope("http://codes.example/cpt/99213", allow)  # scheme downgrade
    assert not in_scope("https://codes.example.evil/cpt/1", allow)
    assert not in_scope("https://codes.example/hcpcs/1", allow)


_segment = st.text(alphabet="abcXYZ019-._~%/é", max_size=8)
_name = st.text(alphabet="abcdefq", min_size=1, max_size=5)
_value = st.text(alphabet="abc123+%=", max_size=5)
_params = st.lists(st.tuples(_name, _value), max_size=4)
_tracking = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "utm_campaign", "gclid", "fbclid", "mc_cid", "mc_eid", "ref", "UTM_Medium"]),
        _value,
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "HtTpS"]))
    host = draw(st.sampled_from(["codes.example", "CODES.Example", "a.b.example", "127.0.0.1"]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/" + "/".join(draw(st.lists(_segment, max_size=4)))
    query = "&".join(f"{k}={v}" for k, v in draw(_params))
    frag = draw(st.sampled_from(["", "#top", "#a/b?c"]))
    return f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "") + frag


@settings(max_examples=300, deadline=None)
@given(urls())
def test_canonicalize_is_idempotent(url: str) -> None:
    once = canonicalize(url)
    assert once is not None
    assert canonicalize(once) == once
    assert url_key(url_key(once)) == url_key(once)
    parts = urlsplit(once)
    assert parts.fragment == "" and parts.scheme in ("http", "https") and parts.netloc == parts.netloc.lower()


@settings(max_examples=300, deadline=None)
@given(urls(), _tracking, st.randoms(use_true_random=False))
def test_tracking_params_never_change_identity(url: str, tracking: list[tuple[str, str]], rnd) -> None:
    base, _, frag = url.partition("#")
    head, _, query = base.partition("?")
    params = [p for p in query.split("&") if p] + [f"{k}={v}" for k, v in tracking]
    rnd.shuffle(params)
    noisy = head + ("?" + "&".join(params) if params else "") + ("#" + frag if frag else "")
    assert canonicalize(noisy) == canonicalize(url)
    assert url_key(canonicalize(noisy)) == url_key(canonicalize(url))


def test_tracking_list_is_data() -> None:
    assert "utm_*" in TRACKING_PARAMS and "gclid" in TRACKING_PARAMS
    assert canonicalize("https://x.example/?session=1&q=2", ["session"]) == "https://x.example/?q=2"
