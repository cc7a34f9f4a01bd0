"""The per-page stage: raw page -> record or quarantine entry, in isolation.

Every failure of one page (bad bytes, hostile markup, a bug) becomes a quarantine
entry with a reason code; nothing a page contains can stop the run.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field

import orjson
from pydantic import ValidationError

from ingest.parse.decode import Decoded, decode_page
from ingest.errors import PageError
from ingest.extract.classify import classify_and_extract
from ingest.extract.entity import entity_key
from ingest.extract.ids import page_key, record_id
from ingest.extract.meta import page_date
from ingest.extract.refs import code_references
from ingest.jsonl import json_line
from ingest.models import BY_DATASET, PAGE_TYPES, QuarantineEntry, Source
from ingest.page.acquire import PageRef
from ingest.page.limits import PageTimeout, time_limit
from ingest.parse.sniff import parse_page
from ingest.settings import BuildSettings


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
    ref: PageRef | None = None  # the page it came from (its provenance is part of the input digest); not cached

    @property
    def record(self) -> dict | None:
        """The record, decoded on each access (None when the page was quarantined)."""
        return None if self.record_json is None else orjson.loads(self.record_json)

    @property
    def page_type(self) -> str | None:
        """The page type the page was classified as, when known."""
        if self.dataset is not None:
            return BY_DATASET[self.dataset].name
        return (self.quarantine or {}).get("page_type")


def _read(ref: PageRef, settings: BuildSettings) -> bytes:
    cap = settings.max_page_bytes
    with open(ref.path, "rb") as fh:
        # read(cap + 1) would allocate (and map) a cap-sized buffer for every page: ask for the file's
        # size plus one byte, and read on up to the cap only when the file grew since fstat
        want = min(os.fstat(fh.fileno()).st_size, cap) + 1
        data = fh.read(want)
        if len(data) == want and want <= cap:
            data += fh.read(cap + 1 - want)
    if len(data) > settings.max_page_bytes:
        raise PageError("too_large", f"over the {settings.max_page_bytes:,}-byte cap")
    return data


def process_page(ref: PageRef, settings: BuildSettings) -> PageResult:
    """Read, decode, parse, classify and extract one page; never raises."""
    started = time.perf_counter()
    result = PageResult(ref.rel_path, None, ref=ref)
    decoded: Decoded | None = None
    page_type: str | None = None
    size: int | None = None
    try:
        with time_limit(settings.page_time_limit):
            if ref.garbled:
                raise PageError("manifest_garbled", f"{ref.garbled} is garbled: which version of "
                                                    f"{ref.url or ref.rel_path} is current is unknown")
            if ref.gone:
                raise PageError("gone", f"{ref.url} answered 404/410 when last fetched ({ref.gone})")
            if ref.size > settings.max_page_bytes:
                raise PageError("too_large", f"{ref.size:,} bytes, over the {settings.max_page_bytes:,}-byte cap")
            data = _read(ref, settings)
            size = len(data)
            result.sha256 = hashlib.sha256(data).hexdigest()
            decoded = decode_page(data, ref.http_charset)
            page = parse_page(ref.rel_path, decoded.text)
            verdict = classify_and_extract(page)
            page_type = verdict.page_type
            if verdict.fields is None:
                raise PageError("unsupported_page_type", verdict.evidence)
            fields = verdict.fields
            source = Source(path=ref.rel_path, uri=fields.get("url") or ref.url, sha256=result.sha256, size=size,
                            encoding=decoded.encoding, encoding_source=decoded.source, page_type=page_type,
                            page_date=page_date(page), fetched_at=ref.fetched_at)
            spec = PAGE_TYPES[page_type]
            key = page_key(ref.url, fields.get("url"), ref.rel_path)
            rec = spec.model(id=record_id(page_type, key, fields), entity=entity_key(fields, page.meta.get("og:site_name")),
                             sources=[source],
                             previous_versions=ref.previous_versions, **fields)
            record = rec.model_dump(mode="json")
            result.dataset, result.record_json = spec.dataset, json_line(record)
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
