"""Bytes -> text, in the order BOM, declared charset, detection; the encoding used is recorded.

A declaration that lies (declares UTF-8, holds cp1252 bytes) is caught because
strict decoding fails; then the bytes are detected, and bytes that are invalid
UTF-8 inside otherwise valid UTF-8 (mixed pages) are read as cp1252.

The text is then made safe for lxml once, here: XML-incompatible control characters
(pasted from word processors: \x1a, \x1b, \x1e...) are dropped (\x0b, \x0c become
spaces; \t \n \r stay), and a leading XML declaration is stripped even when mangled
(lxml refuses str input that carries an encoding declaration).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from ingest.errors import PageError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([a-z0-9_.:\-]+)""", re.I)
# WHATWG: these labels mean windows-1252 on the web; gb2312 pages are written as gb18030.
_WEB_ALIASES = {"iso8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030",
                "gbk": "gb18030", "iso8859-9": "cp1254", "tis-620": "cp874"}
_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"BZh",
          b"\x7fELF", b"RIFF", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2")
_MAX_LOSSY_SHARE = 0.02
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)
_CP1252_CHAOS_MARGIN = 0.02


# C0 control characters lxml refuses in text ("All strings must be XML compatible"): all but
# tab, LF and CR. Vertical tab and form feed read as whitespace in HTML; the others are dropped.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_BAD_BYTES = tuple(bytes([b]) for b in range(32) if b not in (9, 10, 13))
_XML_SPACE = frozenset("\x0b\x0c")
# A leading XML declaration, also mangled (no '?>', no closing '>', BOM or spaces before it).
_XML_DECL = re.compile(r"^[\s\ufeff]*<\?xml\b[^<>]*(?:\?>|>)?", re.I)


def strip_xml_declaration(text: str) -> str:
    """text without a leading XML declaration, even a mangled one (lxml refuses str input
    that declares an encoding)."""
    if text.lstrip(" \t\r\n\ufeff")[:5].lower() == "<?xml":
        return _XML_DECL.sub("", text, count=1)
    return text


def xml_safe(text: str) -> str:
    """Text lxml accepts: no XML-incompatible control characters, no leading XML declaration."""
    if _XML_BAD.search(text):
        text = _XML_BAD.sub(lambda m: " " if m[0] in _XML_SPACE else "", text)
    return strip_xml_declaration(text)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # Python codec name actually used
    source: str  # bom | http_header | declared | utf8_valid | detected | utf8_with_cp1252_bytes


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    bad = exc.object[exc.start:exc.end]
    return bad.decode("cp1252", errors="replace"), exc.end


codecs.register_error("ingest-cp1252", _cp1252_fallback)


def normalize_charset(label: str | None) -> str | None:
    """A codec name for a declared charset label, or None when Python knows no such codec."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("'\"").lower()).name
    except LookupError:
        return None
    return _WEB_ALIASES.get(name, name)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (<meta charset>, http-equiv, or XML declaration)."""
    head = data[:4096]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def looks_binary(data: bytes) -> bool:
    """True for known binary signatures or a sample dense with control bytes."""
    if data.startswith(_MAGIC):
        return True
    sample = data[:4096]
    if any(sample.startswith(bom) for bom, _ in _BOMS):
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) * 0.1


def _has_any(data: bytes, needles: tuple[bytes, ...]) -> bool:
    """True when data holds one of the one-byte needles (one memchr each: ~10x cheaper than a
    translate that copies the page)."""
    return any(n in data for n in needles)


def decode_page(data: bytes, http_charset: str | None = None) -> Decoded:
    """Decode page bytes into lxml-safe text (see xml_safe);
    raises PageError('empty' | 'binary' | 'undecodable')."""
    decoded = _decode(data, http_charset)
    if decoded.encoding.startswith(("utf-16", "utf-32")) or _has_any(data, _XML_BAD_BYTES):
        text = xml_safe(decoded.text)  # in ASCII-compatible codecs a control character is a control byte
    else:
        text = strip_xml_declaration(decoded.text)
    if text is decoded.text:
        return decoded
    if not text.strip():
        raise PageError("empty", "no content once control characters and the XML declaration are removed")
    return Decoded(text, decoded.encoding, decoded.source)


def _decode(data: bytes, http_charset: str | None) -> Decoded:
    if not data.strip():
        raise PageError("empty", f"{len(data)} bytes, no content")
    if looks_binary(data):
        raise PageError("binary", f"binary signature or control bytes: {data[:8]!r}")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(codec, errors="replace"), codec, "bom")
    for label, source in ((http_charset, "http_header"), (declared_charset(data), "declared")):
        codec = normalize_charset(label)
        if codec is None:
            continue
        if codec != "utf-8":
            if _is_utf8(data):  # a legacy label on bytes that are valid, non-ASCII UTF-8
                return Decoded(data.decode("utf-8"), "utf-8", "utf8_valid")
            try:
                return Decoded(data.decode(codec), codec, source)
            except UnicodeDecodeError:
                continue
        try:
            return Decoded(data.decode("utf-8"), "utf-8", source)
        except UnicodeDecodeError:
            break  # the declaration lies: detect
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf8_valid")
    except UnicodeDecodeError:
        pass
    return _detect(data)


def _is_utf8(data: bytes) -> bool:
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> Decoded:
    lenient = data.decode("utf-8", errors="ingest-cp1252")
    strict_ok = data.decode("utf-8", errors="ignore")
    has_utf8_sequences = not strict_ok.isascii()
    if has_utf8_sequences:  # mostly UTF-8 with stray single-byte characters
        return Decoded(lenient, "utf-8", "utf8_with_cp1252_bytes")
    matches = from_bytes(data[:200_000])
    best = matches.best()
    if best is not None and best.encoding != "cp1252":
        # cp1252 is the usual truth behind a false or missing declaration: keep it when it reads as well.
        western = next((m for m in matches if m.encoding == "cp1252"), None)
        if western is not None and western.chaos <= best.chaos + _CP1252_CHAOS_MARGIN:
            best = western
    if best is not None and best.encoding:
        codec = normalize_charset(best.encoding) or best.encoding
        text = data.decode(codec, errors="replace")
        if text.count("\ufffd") <= len(text) * _MAX_LOSSY_SHARE:
            return Decoded(text, codec, "detected")
    if lenient.count("\ufffd") <= len(lenient) * _MAX_LOSSY_SHARE:
        return Decoded(lenient, "cp1252", "detected")
    raise PageError("undecodable", "no declared, detected or fallback encoding decodes these bytes")
