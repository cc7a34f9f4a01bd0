"""The per-page stage: raw page -> record or quarantine entry, in isolation.

Every failure of one page (bad bytes, hostile markup, a bug) becomes a quarantine
entry with a reason code; nothing a page contains can stop the run.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
from lxml import etree
from pydantic import ValidationError

from ingest.acquire import PageRef
from ingest.decode import Decoded, decode_page
from ingest.errors import PageError
from ingest.codes import find_codes
from ingest.extract.classify import classify_and_extract
from ingest.extract.meta import page_date
from ingest.extract.wording import normalize_heading
from ingest.jsonl import json_line
from ingest.models import PAGE_DATASETS, BillingRecord, ProcedureRecord, QuarantineEntry, Source, TermRecord
from ingest.parse.blocks import ParsedPage
from ingest.parse.html import parse_html
from ingest.parse.text import parse_text
from ingest.settings import BuildSettings

_HTML_SNIFF = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|meta|div|p|h[1-6])\b", re.I | re.S)


DATASET_PAGE_TYPES = {dataset: page_type for page_type, dataset in PAGE_DATASETS.items()}
RECORD_MODELS = {"procedure": ProcedureRecord, "term": TermRecord, "billing": BillingRecord}
# Procedure fields scanned for codes the page mentions (beyond its own code).
_PROCEDURE_TEXT_FIELDS = ("summary", "purpose")


class PageTimeout(Exception):
    pass


@dataclass(slots=True)
class PageResult:
    """What one raw page became: a record of a dataset, or a quarantine entry."""

    rel_path: str
    sha256: str | None
    dataset: str | None = None  # "procedures", ... ; None when quarantined
    record_json: bytes | None = None  # the record as its release line (orjson): ~2.5x smaller than a dict
    quarantine: dict | None = None
    seconds: float = 0.0
    code_refs: list[dict] = field(default_factory=list)  # codes the record refers to: system, code, description, field

    @property
    def record(self) -> dict | None:
        """The record, decoded on each access (None when the page was quarantined)."""
        return None if self.record_json is None else orjson.loads(self.record_json)

    @property
    def page_type(self) -> str | None:
        """The page type the page was classified as, when known."""
        if self.dataset is not None:
            return DATASET_PAGE_TYPES[self.dataset]
        return (self.quarantine or {}).get("page_type")


@contextmanager
def time_limit(seconds: float):
    """Raise PageTimeout in this thread after `seconds`.

    In the main thread a SIGALRM timer does it; in other threads (Prefect runs tasks in
    worker threads) a timer thread raises the exception asynchronously in this one. Either
    way it lands between two Python bytecodes, so a single C call (one lxml parse of a
    page under the size cap) finishes first.
    """
    if seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread():
        def _alarm(signum, frame):
            raise PageTimeout(f"extraction exceeded {seconds:g} s")

        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    token = _watchdog.arm(threading.get_ident(), time.monotonic() + seconds)
    try:
        yield
    finally:
        _watchdog.disarm(token)


class _Watchdog:
    """One daemon thread that raises PageTimeout asynchronously in threads past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: dict[int, tuple[float, int]] = {}  # token -> (deadline, thread id)
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, thread_id: int, deadline: float) -> int:
        with self._cond:
            self._next += 1
            self._deadlines[self._next] = (deadline, thread_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ingest-page-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
            return self._next

    def disarm(self, token: int) -> None:
        with self._cond:  # after this, the watchdog can no longer fire for this token
            self._deadlines.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, thread_id) in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[token]
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(PageTimeout))
                wait = min((d for d, _ in self._deadlines.values()), default=now + 60) - now
                self._cond.wait(timeout=max(wait, 0.01))


_watchdog = _Watchdog()


def record_id(page_type: str, code: str | None, code_system: str | None, title: str) -> str:
    """Stable id: from the code when known, else from the normalized title."""
    if code:
        return f"{page_type}:{(code_system or 'cpt').lower()}:{code}"
    norm = normalize_heading(title)
    slug = "-".join(norm.split())[:60].rstrip("-") or "untitled"
    return f"{page_type}:title:{slug}-{hashlib.sha1(norm.encode()).hexdigest()[:8]}"


def _record_id(page_type: str, fields: dict) -> str:
    if page_type == "term":
        return f"term:{'-'.join(normalize_heading(fields['term']).split())[:80] or 'untitled'}"
    return record_id(page_type, fields.get("code"), fields.get("code_system"), fields.get("title") or "")


def code_references(page_type: str, record: dict) -> list[dict]:
    """The codes a record refers to, each with the description the page gives and the field it is in."""
    refs: list[dict] = []
    if page_type in ("procedure", "billing") and record.get("code"):
        refs.append({"system": record["code_system"] or "CPT", "code": record["code"],
                     "description": record.get("title"), "field": "code"})
    if page_type == "term":
        refs.extend({"system": c["system"], "code": c["code"], "description": c["description"], "field": "codes"}
                    for c in record["codes"])
    if page_type == "billing":
        refs.extend({"system": "MODIFIER", "code": m["modifier"], "description": m["description"], "field": "modifiers"}
                    for m in record["modifiers"])
    if page_type == "procedure":
        for name in _PROCEDURE_TEXT_FIELDS:
            value = record.get(name)
            for text in (value if isinstance(value, list) else [value] if value else []):
                refs.extend({"system": m.system, "code": m.code, "description": None, "field": name}
                            for m in find_codes(text) if m.kind == "code" and m.code != record.get("code"))
    return refs


def parse_page(ref: PageRef, decoded: Decoded) -> ParsedPage:
    """Parse by file type, sniffing HTML saved as .txt and text saved as .html."""
    is_text = ref.rel_path.lower().endswith(".txt")
    looks_html = bool(_HTML_SNIFF.match(decoded.text[:2000]))
    try:
        if is_text and not looks_html:
            return parse_text(decoded.text)
        page = parse_html(decoded.text)
        if not page.blocks and not looks_html:
            return parse_text(decoded.text)
        return page
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, RecursionError) as exc:
        raise PageError("parse_error", f"{type(exc).__name__}: {exc}"[:300]) from exc


def _read(ref: PageRef, settings: BuildSettings) -> bytes:
    with open(ref.path, "rb") as fh:
        data = fh.read(settings.max_page_bytes + 1)
    if len(data) > settings.max_page_bytes:
        raise PageError("too_large", f"over the {settings.max_page_bytes:,}-byte cap")
    return data


def process_page(ref: PageRef, settings: BuildSettings) -> PageResult:
    """Read, decode, parse, classify and extract one page; never raises."""
    started = time.perf_counter()
    result = PageResult(ref.rel_path, None)
    decoded: Decoded | None = None
    page_type: str | None = None
    size: int | None = None
    try:
        with time_limit(settings.page_time_limit):
            if ref.gone:
                raise PageError("gone", f"{ref.url} answered 404/410 when last fetched ({ref.gone})")
            if ref.size > settings.max_page_bytes:
                raise PageError("too_large", f"{ref.size:,} bytes, over the {settings.max_page_bytes:,}-byte cap")
            data = _read(ref, settings)
            size = len(data)
            result.sha256 = hashlib.sha256(data).hexdigest()
            decoded = decode_page(data, ref.http_charset)
            page = parse_page(ref, decoded)
            verdict = classify_and_extract(page)
            page_type = verdict.page_type
            if verdict.fields is None:
                raise PageError("unsupported_page_type", verdict.evidence)
            fields = verdict.fields
            source = Source(path=ref.rel_path, uri=fields.get("url") or ref.url, sha256=result.sha256, size=size,
                            encoding=decoded.encoding, encoding_source=decoded.source, page_type=page_type,
                            page_date=page_date(page), fetched_at=ref.fetched_at)
            model = RECORD_MODELS[page_type]
            rec = model(id=_record_id(page_type, fields), sources=[source], previous_versions=ref.previous_versions,
                        **fields)
            record = rec.model_dump(mode="json")
            result.dataset, result.record_json = PAGE_DATASETS[page_type], json_line(record)
            result.code_refs = code_references(page_type, record)
    except PageError as exc:
        result.quarantine = _quarantine(ref, result, size, exc.reason, exc.detail, page_type, decoded)
    except PageTimeout as exc:
        detail = str(exc) or f"extraction exceeded {settings.page_time_limit:g} s"
        result.quarantine = _quarantine(ref, result, size, "timeout", detail, page_type, decoded)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        result.quarantine = _quarantine(ref, result, size, "validation_error", detail, page_type, decoded)
    except RecursionError as exc:
        result.quarantine = _quarantine(ref, result, size, "parse_error", f"nesting too deep: {exc}", page_type, decoded)
    except OSError as exc:  # vanished since discovery, permissions, I/O error
        result.quarantine = _quarantine(ref, result, size, "unreadable", f"{type(exc).__name__}: {exc}", page_type, decoded)
    except Exception as exc:  # noqa: BLE001 - a bug on one page must not stop the run
        result.quarantine = _quarantine(ref, result, size, "internal_error", f"{type(exc).__name__}: {exc}"[:500],
                                        page_type, decoded)
    result.seconds = time.perf_counter() - started
    return result


def _quarantine(ref: PageRef, result: PageResult, size: int | None, reason: str, detail: str,
                page_type: str | None, decoded: Decoded | None) -> dict:
    entry = QuarantineEntry(path=ref.rel_path, sha256=result.sha256, size=size if size is not None else max(ref.size, 0),
                            reason=reason, detail=detail, page_type=page_type, uri=ref.url,
                            encoding=decoded.encoding if decoded else None)
    return entry.model_dump(mode="json")
