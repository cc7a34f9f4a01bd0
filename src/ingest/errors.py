"""Errors that send a page to quarantine, each with a reason code."""

from __future__ import annotations

QUARANTINE_REASONS = {
    "empty": "the file holds no content",
    "unreadable": "the file could not be read (vanished since discovery, permissions, I/O error)",
    "binary": "the bytes are not text (image, archive, executable, ...)",
    "undecodable": "no encoding decodes the bytes",
    "too_large": "the page exceeds the size cap",
    "timeout": "extraction exceeded the per-page time limit",
    "parse_error": "the markup could not be parsed",
    "unsupported_page_type": "not a page type this pipeline extracts (news, shop, 404, hub page, ...)",
    "validation_error": "the extracted record failed schema validation",
    "worker_crash": "the extraction process died on this page",
    "internal_error": "an unexpected error in the extractor (a bug: please report it)",
    "gone": "the page's URL answered 404/410 at the last scrape: its record is withdrawn",
}


class PageError(Exception):
    """A page-level failure: the page goes to quarantine with this reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in QUARANTINE_REASONS:
            raise ValueError(f"unknown quarantine reason {reason!r}")
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
