"""Incremental, size-capped decoding of gzip / deflate / brotli streams."""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

GZIP_MAGIC = b"\x1f\x8b"
SUPPORTED_ENCODINGS = ("gzip", "deflate", "br")
ACCEPT_ENCODING = ", ".join(SUPPORTED_ENCODINGS)


class DecodeError(Exception):
    """A compressed stream is corrupt, cut short or uses an unknown coding."""


class DecodeLimitExceeded(Exception):
    """Decoded output grew past the cap (a decompression bomb)."""


class _Step(Protocol):
    def feed(self, data: bytes, limit: int) -> bytes: ...
    def finished(self) -> bool: ...


class _Zlib:
    def __init__(self, wbits: int, fallback_wbits: int | None = None) -> None:
        self._obj = zlib.decompressobj(wbits)
        self._fallback = fallback_wbits  # tried once if the very first bytes do not parse

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        try:
            while True:
                out += self._obj.decompress(data, max(1, limit - len(out) + 1))
                data = self._obj.unconsumed_tail
                if len(out) > limit or self._obj.eof or not data:
                    break
        except zlib.error as exc:
            if self._fallback is None or out:
                raise DecodeError(f"corrupt compressed data: {exc}") from exc
            self._obj, self._fallback = zlib.decompressobj(self._fallback), None
            return self.feed(data, limit)
        self._fallback = None
        return bytes(out)

    def finished(self) -> bool:
        return self._obj.eof


class _Brotli:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        try:
            out += self._obj.process(data, output_buffer_limit=limit + 1)
            while len(out) <= limit and not self._obj.can_accept_more_data():
                out += self._obj.process(b"", output_buffer_limit=limit + 1 - len(out))
        except brotli.error as exc:
            raise DecodeError(f"corrupt brotli data: {exc}") from exc
        return bytes(out)

    def finished(self) -> bool:
        return self._obj.is_finished()


def _step(coding: str) -> _Step:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS, fallback_wbits=-zlib.MAX_WBITS)
    if coding == "br":
        return _Brotli()
    raise DecodeError(f"unsupported content coding {coding!r}")


class BoundedDecoder:
    """Decode a Content-Encoding chain chunk by chunk; never produce more than `limit` bytes.

    Raises DecodeLimitExceeded as soon as decoded output passes the limit.
    """

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        # Codings are listed in the order applied, so decode in reverse.
        self._steps = [_step(c) for c in reversed(codings) if c and c != "identity"]
        self.limit = limit
        self.size = 0

    @property
    def encoded(self) -> bool:
        """True if at least one coding is applied."""
        return bool(self._steps)

    def feed(self, data: bytes) -> bytes:
        """Decode one chunk of raw bytes."""
        for step in self._steps:
            data = step.feed(data, self.limit - self.size)
        self.size += len(data)
        if self.size > self.limit:
            raise DecodeLimitExceeded(f"decoded size passed {self.limit} bytes")
        return data

    def finish(self) -> None:
        """Check that every compressed stream ended properly (else the body was cut short)."""
        if not all(step.finished() for step in self._steps):
            raise DecodeError("compressed stream ended early")


def decode_all(data: bytes, content_encoding: str | None, limit: int) -> bytes:
    """Decode a complete body in bounded steps (see BoundedDecoder)."""
    decoder = BoundedDecoder(content_encoding, limit)
    out = bytearray()
    for i in range(0, len(data), 65536):
        out += decoder.feed(data[i : i + 65536])
    decoder.finish()
    return bytes(out)
