"""Errors that send a page to quarantine, each with a reason code."""

from __future__ import annotations

import errno
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
    Reason("manifest_garbled", "a line of the raw store's manifest.jsonl naming this page or its URL is garbled: "
                               "which version is current is unknown, so none is built until the line is repaired"),
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


# --------------------------------------------------------------------------- run-level failures
# A failure of the whole run, never of one page: nothing is published, `latest` is kept, and the
# command line prints str(exc) as its one line and exits with exit_code.


class RunError(RuntimeError):
    """A build that must stop as a whole (nothing published); its message is the user's one line."""

    exit_code = 1


class InputRefused(RunError):
    """--raw / --out are not usable as given (missing, a file, nested, empty, not writable, garbled manifest)."""

    exit_code = 2


class PublishRefused(RunError):
    """A publish gate refused the new release (too few records, too many failed pages, layout drift, a breaking
    schema change: ingest.release.contract.SchemaContractError)."""

    exit_code = 3


class StorageFailed(RunError):
    """The output's storage failed under the run (disk full, permission denied): not a property of any page."""

    exit_code = 4


# errno -> what it means for the run (data, not an if-chain); any other OSError stays what it is
_STORAGE_ERRNOS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "an I/O error",
}
# SQLite reports a full disk and a denied write as messages, not errno
_SQLITE_STORAGE = {"database or disk is full": errno.ENOSPC, "attempt to write a readonly database": errno.EROFS}


def storage_failure(exc: BaseException, where: str) -> StorageFailed | None:
    """The run error an exception means when it is the storage failing (ENOSPC, EACCES, ...), else None."""
    number = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if number is None:
        number = next((n for text, n in _SQLITE_STORAGE.items() if text in str(exc)), None)
    if number not in _STORAGE_ERRNOS:
        return None
    path = getattr(exc, "filename", None) or where
    return StorageFailed(f"{_STORAGE_ERRNOS[number]} writing {path}; nothing published, `latest` kept "
                         f"({type(exc).__name__}: {getattr(exc, 'strerror', None) or exc})")


def is_retryable(exc: BaseException | None) -> bool:
    """Whether another attempt of a step could succeed: not after a run error, a denied permission or a
    full disk (the flow's task retries ask this)."""
    return not (isinstance(exc, RunError) or (exc is not None and storage_failure(exc, "") is not None))
