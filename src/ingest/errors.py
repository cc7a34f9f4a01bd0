"""Errors that send a page to quarantine, each with a reason code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    """A quarantine reason: its code, what it means, and whether it is transient.

    A transient reason is a failure of one run, not a property of the page's bytes
    (a time limit hit under load, a crashed worker, a bug since fixed): such outcomes
    are never cached, so the next build tries the page again.
    """

    code: str
    description: str
    transient: bool = False


REASONS = (
    Reason("empty", "the file holds no content"),
    Reason("unreadable", "the file could not be read (vanished since discovery, permissions, I/O error)"),
    Reason("binary", "the bytes are not text (image, archive, executable, ...)"),
    Reason("undecodable", "no encoding decodes the bytes"),
    Reason("too_large", "the page exceeds the size cap"),
    Reason("timeout", "extraction exceeded the per-page time limit", transient=True),
    Reason("parse_error", "the markup could not be parsed"),
    Reason("unsupported_page_type", "not a page type this pipeline extracts (news, shop, 404, hub page, ...)"),
    Reason("validation_error", "the extracted record failed schema validation"),
    Reason("worker_crash", "the extraction process died on this page", transient=True),
    Reason("internal_error", "an unexpected error in the extractor (a bug: please report it)", transient=True),
    Reason("gone", "the page's URL answered 404/410 at the last scrape: its record is withdrawn"),
)
# reason code -> description, in the order above (the order of the quarantine schema's enum)
QUARANTINE_REASONS = {r.code: r.description for r in REASONS}
# reasons whose outcome is not cached (see Reason.transient)
TRANSIENT_REASONS = frozenset(r.code for r in REASONS if r.transient)


class PageError(Exception):
    """A page-level failure: the page goes to quarantine with this reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in QUARANTINE_REASONS:
            raise ValueError(f"unknown quarantine reason {reason!r}")
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
