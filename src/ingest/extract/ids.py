"""Record ids: one document, one id, stable across builds and across changes of the page's text.

A record's id names the page it was extracted from, never what the page says (its code or title):
two clinics' "Knee Replacement" pages are two records, and a page whose text changes keeps its id.

- the page's URL: the URL it was scraped from (raw/manifest.jsonl), else its `<link rel=canonical>`
  (or og:url), normalized as the scraper normalizes URLs (`ingest.scrape.urls.canonicalize` and
  `url_key`: scheme and host lower-cased, default port, fragment and tracking parameters dropped,
  query sorted, a trailing slash on a path does not count): `procedure:<host>:<slug>-<hash>`;
- a page with no URL: its path under --raw: `procedure:path:<slug>-<hash>`;
- a glossary page gives one record per (page, term): the page's id, then `:<term>`.

The slug keeps ids readable; the hash (of the whole normalized URL or path) keeps them unique.
"""

from __future__ import annotations

import hashlib
import re

from ingest.extract.wording import normalize_heading
from ingest.models import PAGE_TYPES
from ingest.scrape.urls import canonicalize, url_key

_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_LENGTH = 60


def _slug(text: str, length: int = SLUG_LENGTH) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:length].rstrip("-")


def page_url(scraped_url: str | None, canonical_url: str | None) -> str | None:
    """The URL a page is identified by, normalized (None when it has no http(s) URL)."""
    for url in (scraped_url, canonical_url):
        normal = canonicalize(url) if url else None
        if normal:
            return url_key(normal)
    return None


def page_key(scraped_url: str | None, canonical_url: str | None, rel_path: str) -> str:
    """`<host>:<slug>-<hash>` of the page's normalized URL, else `path:<slug>-<hash>` of its raw path."""
    url = page_url(scraped_url, canonical_url)
    if url is None:
        where, full = "path", rel_path
        slug = _slug(rel_path.rsplit(".", 1)[0])
    else:
        host_and_rest = url.split("://", 1)[1]
        host, _, rest = host_and_rest.partition("/")
        where, full, slug = host, url, _slug(rest)
    return f"{where}:{slug or 'index'}-{hashlib.sha1(full.encode()).hexdigest()[:10]}"


def term_slug(term: str) -> str:
    """The normalized term, as the last part of a term record's id."""
    return "-".join(normalize_heading(term).split())[:80] or "untitled"


def record_id(page_type: str, key: str, fields: dict) -> str:
    """The id of a record of page_type extracted from the page whose page_key is `key`."""
    rid = f"{page_type}:{key}"
    if PAGE_TYPES[page_type].id_rule == "page_term":
        rid += f":{term_slug(fields.get('term') or '')}"
    return rid


def path_record_id(record: dict) -> str:
    """The id a record would have from its primary page's raw path alone (when another page claims its URL)."""
    return record_id(record["page_type"], page_key(None, None, record["sources"][0]["path"]), record)
