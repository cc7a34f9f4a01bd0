"""Incremental builds: fingerprint the inputs, and tell when nothing changed since `latest`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

import orjson

from ingest import EXTRACTOR_VERSION, SCHEMA_VERSION
from ingest.atomic import replace_file
from ingest.page.acquire import PageRef, scan
from ingest.release.layout import STAGING, latest_release, read_manifest, verify_release
from ingest.settings import BuildSettings


LISTING = "pages.jsonl"  # under <out>/.staging/: discovery's page list (removed with the staging folder)


def listing_path(out_dir: Path) -> Path:
    """Where a build on out_dir writes its page list (the build holds out's lock)."""
    return Path(out_dir) / STAGING / LISTING


_REF_FIELDS = tuple(f.name for f in fields(PageRef))
_REF_DEFAULTS = {f.name: f.default for f in fields(PageRef) if f.default is not MISSING}


def _listing_line(ref: PageRef, sha: str | None) -> bytes:
    """One page of the list: its PageRef (fields at their default left out) and the SHA-256 discovery found."""
    entry = {"sha": sha}
    for name in _REF_FIELDS:
        value = getattr(ref, name)
        if name not in _REF_DEFAULTS or value != _REF_DEFAULTS[name]:
            entry[name] = value
    return orjson.dumps(entry)


def _from_line(line: bytes) -> tuple[PageRef, str | None]:
    entry = orjson.loads(line)
    sha = entry.pop("sha")
    return PageRef(**entry), sha


def read_listing(listing: Path | str, start: int = 0, stop: int | None = None) -> Iterator[tuple[PageRef, str | None]]:
    """The pages of a page list (or of its bytes start..stop, whole lines), in path order, streamed."""
    with open(listing, "rb") as fh:
        fh.seek(start)
        left = None if stop is None else stop - start
        for line in fh:
            if left is not None:
                if left <= 0:
                    return
                left -= len(line)
            yield _from_line(line)


@dataclass(frozen=True)
class PageRange:
    """A batch: consecutive lines of the page list (bytes start..stop), read by the task that extracts them."""

    listing: str
    start: int
    stop: int
    count: int

    def pages(self) -> list[tuple[PageRef, str | None]]:
        return list(read_listing(self.listing, self.start, self.stop))


@dataclass(frozen=True)
class Fingerprint:
    """Every input page with the SHA-256 of its bytes (None if unreadable), and one digest of all.

    The pages are in a file (`listing`: one line per page in path order, see listing_path), never all in
    memory: `pages()` streams them, `ranges()` cuts them into batches.
    `superseded`: older versions of URLs left out of the build (see ingest.page.acquire);
    `hashed`: pages whose bytes were read to hash them (the others' hash came from the
    scraper's manifest, their size and mtime unchanged)."""

    listing: str
    count: int
    digest: str
    superseded: int = 0
    hashed: int = 0

    @property
    def inputs(self) -> dict:
        """The manifest's `inputs`: pages, digest, superseded versions."""
        return {"pages": self.count, "digest": self.digest, "superseded": self.superseded}

    def pages(self) -> Iterator[tuple[PageRef, str | None]]:
        """(PageRef, SHA-256) of every page, in path order, read from the list."""
        return read_listing(self.listing)

    def ranges(self, size: int) -> list[PageRange]:
        """The list cut into batches of `size` pages (one pass over the file, no page held)."""
        out: list[PageRange] = []
        start = offset = count = 0
        with open(self.listing, "rb") as fh:
            for line in fh:
                offset += len(line)
                count += 1
                if count == size:
                    out.append(PageRange(self.listing, start, offset, count))
                    start, count = offset, 0
        if count:
            out.append(PageRange(self.listing, start, offset, count))
        return out


def file_sha256(path: str) -> str | None:
    """SHA-256 of a file's bytes, None if it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def fingerprint(refs: Iterable[PageRef], listing: Path, superseded: int | Callable[[], int] = 0) -> Fingerprint:
    """Hash every page (a read of each file; no parsing) and the provenance recorded for it, writing the
    page list to `listing` (a temporary name, then renamed) and the input digest as the pages stream by.

    `refs` must come in path order unless it is a list (then it is sorted here). A page whose manifest hash
    is trusted (`ref.sha256`: same size and mtime as when the scraper stored it) is not read: a build's
    discovery costs a stat per current page. `superseded` may be a function, asked once the refs are
    exhausted (a scan counts them as it goes)."""
    if isinstance(refs, list):
        refs = sorted(refs, key=lambda r: r.rel_path)
    listing = Path(listing)
    listing.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    count = hashed = 0

    def lines() -> Iterator[bytes]:
        nonlocal count, hashed
        last = None
        for ref in refs:
            if last is not None and ref.rel_path <= last:
                raise ValueError(f"pages out of path order: {ref.rel_path!r} after {last!r}")
            last = ref.rel_path
            sha = ref.sha256
            if sha is None:
                sha = file_sha256(ref.path)
                hashed += 1
            _digest_page(digest, ref, sha)
            yield _listing_line(ref, sha) + b"\n"
            count += 1

    replace_file(listing, lines(), sync_dir=False)  # a temporary name, removed if the walk or the disk fails
    superseded = superseded() if callable(superseded) else superseded
    _digest_superseded(digest, superseded)
    return Fingerprint(str(listing), count, digest.hexdigest(), superseded, hashed)


def inputs_digest(pages: list[tuple[PageRef, str | None]], superseded: int = 0) -> str:
    """The release's input digest (manifest `inputs.digest`, the only one): SHA-256 over every page's
    path, bytes' SHA-256 and fetch provenance (URL, fetch time, HTTP charset, earlier versions), in path
    order, and the number of superseded versions."""
    digest = hashlib.sha256()
    for ref, sha in sorted(pages, key=lambda p: p[0].rel_path):
        _digest_page(digest, ref, sha)
    _digest_superseded(digest, superseded)
    return digest.hexdigest()


def _digest_page(digest, ref: PageRef, sha: str | None) -> None:
    parts = [ref.rel_path, sha or "-", ref.url or "", ref.fetched_at or "", ref.http_charset or ""]
    if ref.previous_versions:  # (only then: digests of stores without history stay as they were)
        parts.append(f"previous_versions={ref.previous_versions}")
    if ref.garbled:
        parts.append(f"garbled={ref.garbled}")
    digest.update("\0".join(parts).encode() + b"\n")


def _digest_superseded(digest, superseded: int) -> None:
    if superseded:
        digest.update(f"superseded {superseded}\n".encode())


MANIFEST_INDEX = ".cache/raw-manifest-index.json"


def fingerprint_raw(raw_dir: Path, out_dir: Path) -> Fingerprint:
    """Discover the current pages under raw_dir and fingerprint them as the walk goes (the page list in
    out's staging folder, see listing_path); the raw manifest is read incrementally through an index in
    the output's cache."""
    found = scan(Path(raw_dir), Path(out_dir) / MANIFEST_INDEX)
    return fingerprint(found, listing_path(out_dir), lambda: len(found.superseded))


def build_key(settings: BuildSettings) -> dict:
    """What besides the inputs decides a release's content."""
    return {"extractor_version": EXTRACTOR_VERSION, "schema_version": SCHEMA_VERSION, "schema_digest": schema_digest(),
            "max_page_bytes": settings.max_page_bytes, "dedup_threshold": settings.dedup_threshold}


def schema_digest() -> str:
    """A digest of the record models' JSON Schemas: a model change (even one that leaves every record's
    bytes alone, like an added enum value) is a change to publish."""
    from ingest.release.contract import model_schemas

    return hashlib.sha256(orjson.dumps(model_schemas(), option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def unchanged_release(out_dir: Path, fp: Fingerprint, settings: BuildSettings) -> dict | None:
    """The latest release's manifest when it was built from the same inputs and settings and still
    verifies (manifest, sizes, checksums, line counts): a corrupt or incomplete `latest` is rebuilt."""
    latest = latest_release(Path(out_dir))
    if latest is None:
        return None
    try:
        manifest = read_manifest(latest)
    except (OSError, ValueError):
        return None
    if manifest.get("inputs", {}).get("digest") == fp.digest and manifest.get("build") == build_key(settings):
        return manifest if not verify_release(latest) else None
    return None
