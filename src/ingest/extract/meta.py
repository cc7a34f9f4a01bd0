"""Page metadata: canonical URL, title, stated procedure code, add-on status, page date."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from ingest.codes import is_add_on as _descriptor_is_add_on
from ingest.codes import system_of
from ingest.codes.patterns import CPT4X, CPT5, HCPCS
from ingest.parse.blocks import Block, ParsedPage

_CPT = rf"(?:{CPT5}|{CPT4X})"  # code formats from codes/patterns.py
_CODE_PATTERNS = (  # (how, pattern) tried on title and preamble text, in order
    ("title", re.compile(r"\bCPT(?:®|\(R\)|4)?\s*(?:code\s*)?[:#]?\s*" + rf"(?P<code>{_CPT})\b", re.I)),
    ("title", re.compile(r"\bHCPCS(?:\s*code)?\s*[:#]?\s*" + rf"(?P<code>{HCPCS})\b", re.I)),
)
_URL_CODE = re.compile(r"/(?:cpt|codes?|procedures?|hcpcs)[-_/](?:code[-_/])?" + rf"(?P<code>{_CPT}|{HCPCS})(?:[/.?#-]|$)", re.I)
_CODE_PREFIX = re.compile(r"^(?:CPT(?:®|\(R\)|4)?\s*(?:code\s*)?)?" + _CPT + r"\s*[–—:|-]\s*", re.I)
_COMMON_NAMES = re.compile(r"(?:common names?(?:\s*\(s\))?|also known as|other names|also called|a\.?k\.?a\.?)\s*:\s*(?P<names>.+)$", re.I)
_SITE_SUFFIX = re.compile(r"\s+[|\-–—·]\s+[^|\-–—·]{2,40}$")

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?:[T ](?P<t>\d\d:\d\d(?::\d\d)?)(?:\.\d+)?(?P<z>Z|[+-]\d\d:?\d\d)?)?")
_TEXT_DATE = re.compile(r"\b(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>(?:19|20)\d\d)\b|\b(?P<d2>\d{1,2})\s+(?P<mon2>[A-Za-z]{3,9})\.?,?\s+(?P<y2>(?:19|20)\d\d)\b")
_DATE_LABEL = re.compile(r"\b(last\s+(?:updated|modified|reviewed)|updated(?:\s+on)?|posted\s+on|published(?:\s+on)?|reviewed\s+on)\b", re.I)
_MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "last-modified", "dcterms.modified")
_PUBLISHED_KEYS = ("article:published_time", "date")


def page_url(page: ParsedPage) -> str | None:
    """The page's own URL: <link rel=canonical>, then og:url."""
    for url in (page.canonical_url, page.og_url):
        if url and url.startswith(("http://", "https://")):
            return url
    return None


def clean_title(title: str) -> str:
    """A descriptor without its 'CPT® 64635 –' prefix."""
    return _CODE_PREFIX.sub("", title).strip()


def fallback_title(page: ParsedPage) -> str | None:
    """og:title or <title> without a ' | Site name' suffix."""
    for title in (page.og_title, page.head_title):
        if title:
            return _SITE_SUFFIX.sub("", title).strip() or None
    return None


def json_ld_code(page: ParsedPage) -> tuple[str, str] | None:
    """(code, system) of a schema.org MedicalProcedure/MedicalCode in JSON-LD."""
    for obj in page.json_ld:
        types = obj.get("@type")
        types = types if isinstance(types, list) else [types]
        if not any(isinstance(t, str) and "Procedure" in t for t in types):
            continue
        codes = obj.get("code")
        for code in codes if isinstance(codes, list) else [codes]:
            if isinstance(code, dict) and code.get("codeValue"):
                system = str(code.get("codingSystem") or "CPT").upper()
                return str(code["codeValue"]).strip(), ("HCPCS" if "HCPCS" in system else "CPT")
    return None


def stated_code(texts: list[str], url: str | None) -> tuple[str, str, str] | None:
    """(code, system, how) stated in the title/preamble texts or the URL path."""
    for text in texts:
        for how, pattern in _CODE_PATTERNS:
            m = pattern.search(text)
            if m:
                code = m["code"].upper()
                return code, system_of(code), how
    if url:
        m = _URL_CODE.search(url)
        if m:
            code = m["code"].upper()
            return code, system_of(code), "url"
    return None


def is_add_on(*texts: str | None) -> bool:
    """True when any of the texts (title, name line) marks an add-on code (the rule: codes.is_add_on)."""
    return any(_descriptor_is_add_on(t) for t in texts)


def common_names(text: str) -> list[str] | None:
    """Names listed after 'Common name(s):' / 'Also known as:' in a line, or None."""
    m = _COMMON_NAMES.search(text)
    if not m:
        return None
    names = re.split(r"\s*[,;]\s*|\s+and\s+", m["names"].strip().rstrip("."))
    return [n.strip() for n in names if n.strip()]


def _iso(y: int, m: int, d: int, time: str | None = None, zone: str | None = None) -> str | None:
    try:
        if not time:
            return date(y, m, d).isoformat()
        dt = datetime.fromisoformat(f"{y:04d}-{m:02d}-{d:02d}T{time}{zone or ''}")
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.isoformat() + "Z"


def parse_date(text: str) -> str | None:
    """The first date in text as ISO 8601 (date, or UTC date-time when a time is given)."""
    m = _ISO_DATE.search(text)
    if m:
        return _iso(int(m["y"]), int(m["m"]), int(m["d"]), m["t"], m["z"])
    for m in _TEXT_DATE.finditer(text):
        mon = (m["mon"] or m["mon2"]).lower()
        month = _MONTHS.get(mon) or _MONTHS.get(mon[:3])
        if month:
            return _iso(int(m["y"] or m["y2"]), month, int(m["d"] or m["d2"]))
    return None


def page_date(page: ParsedPage) -> str | None:
    """The date the page says it was last changed: JSON-LD, meta tags, then 'Last updated' text."""
    for obj in page.json_ld:
        for key in ("dateModified", "datePublished"):
            if isinstance(obj.get(key), str) and (d := parse_date(obj[key])):
                return d
    for key in _MODIFIED_KEYS:
        if key in page.meta and (d := parse_date(page.meta[key])):
            return d
    for block in page.blocks:
        if len(block.text) < 200 and _DATE_LABEL.search(block.text) and (d := parse_date(block.text)):
            return d
    for key in _PUBLISHED_KEYS:
        if key in page.meta and (d := parse_date(page.meta[key])):
            return d
    return None


def leading_texts(blocks: list[Block], limit: int = 8) -> list[str]:
    """Texts of the first blocks (where pages state their code and names)."""
    return [b.text for b in blocks[:limit]]
