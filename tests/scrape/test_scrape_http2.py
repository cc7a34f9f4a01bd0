"""HTTP/2 over TLS end to end: a throwaway CA, a real h2 server on 127.0.0.1, the scraper trusting it via ca_bundle.

The server negotiates ALPN "h2" when the client offers it and falls back to a minimal
HTTP/1.1 responder otherwise (as real servers do), and records which protocol served
every request, so the tests see what went over the wire, not only what httpx reports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from typer.testing import CliRunner

from ingest.scrape.config import ConfigError
from ingest.scrape.crawl import scrape

from .scrape_site import UA, fast_config, procedure_page
from .test_scrape_cli import _app

ROBOTS = b"User-agent: *\nAllow: /\n"
PAGE_A = procedure_page("A1", "First page", ["b1"]).encode()
PAGE_B = procedure_page("B1", "Second page").encode()


# --- a throwaway CA and a server certificate for 127.0.0.1 -------------------------------------


@dataclass
class Pki:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(folder: Path) -> Pki:
    """A CA certificate and a leaf for IP 127.0.0.1 signed by it (P-256 keys, one day valid)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ingest test CA"))
        .issuer_name(_name("ingest test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki = Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    pki.ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    pki.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return pki


# --- the TLS server: HTTP/2 via h2 when ALPN picks it, else HTTP/1.1 ---------------------------


@dataclass
class H2Hit:
    """One request as the server saw it."""

    protocol: str  # "h2" or "http/1.1"
    path: str
    user_agent: str
    stream_id: int | None  # HTTP/2 stream (None for HTTP/1.1)
    connection: int  # index of the TLS connection it arrived on


@dataclass
class TlsSite:
    """A TLS server on 127.0.0.1 in background threads, serving fixed routes."""

    pki: Pki
    routes: dict[str, tuple[bytes, str]]
    hits: list[H2Hit] = field(default_factory=list)
    alpn: list[str | None] = field(default_factory=list)  # negotiated protocol per completed handshake
    handshake_failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "TlsSite":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.pki.cert_pem, self.pki.key_pem)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        self._ctx = ctx
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self._stopping = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(2)
        self._sock.close()
        with self.lock:
            for conn in self._conns:
                try:
                    conn.close()
                except OSError:
                    pass

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self._sock.getsockname()[1]}"

    def count(self, path: str, protocol: str | None = None) -> int:
        with self.lock:
            return sum(1 for h in self.hits if h.path == path and protocol in (None, h.protocol))

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                raw, _ = self._sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            with self.lock:
                self._conns.append(raw)
                index = len(self._conns) - 1
            threading.Thread(target=self._serve, args=(raw, index), daemon=True).start()

    def _serve(self, raw: socket.socket, index: int) -> None:
        raw.settimeout(5)
        try:
            conn = self._ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            with self.lock:
                self.handshake_failures += 1
            raw.close()
            return
        with self.lock:
            self._conns[index] = conn
            self.alpn.append(conn.selected_alpn_protocol())
        try:
            if conn.selected_alpn_protocol() == "h2":
                self._serve_h2(conn, index)
            else:
                self._serve_http11(conn, index)
        except (OSError, h2.exceptions.ProtocolError):
            pass
        finally:
            conn.close()

    def _response(self, path: str) -> tuple[int, bytes, str]:
        if path in self.routes:
            body, ctype = self.routes[path]
            return 200, body, ctype
        return 404, b"<html><body>not here</body></html>", "text/html; charset=utf-8"

    def _serve_h2(self, conn: ssl.SSLSocket, index: int) -> None:
        h2c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        h2c.initiate_connection()
        conn.sendall(h2c.data_to_send())
        while not self._stopping.is_set():
            data = conn.recv(65535)
            if not data:
                return
            for event in h2c.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    headers = dict(event.headers)
                    path = headers.get(":path", "")
                    with self.lock:
                        self.hits.append(H2Hit("h2", path, headers.get("user-agent", ""), event.stream_id, index))
                    status, body, ctype = self._response(path)
                    h2c.send_headers(
                        event.stream_id,
                        [(":status", str(status)), ("content-type", ctype), ("content-length", str(len(body)))],
                    )
                    h2c.send_data(event.stream_id, body, end_stream=True)  # bodies fit the initial window
                elif isinstance(event, h2.events.ConnectionTerminated):
                    conn.sendall(h2c.data_to_send())
                    return
            conn.sendall(h2c.data_to_send())

    def _serve_http11(self, conn: ssl.SSLSocket, index: int) -> None:
        buffer = b""
        while not self._stopping.is_set():
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65535)
                if not data:
                    return
                buffer += data
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            with self.lock:
                self.hits.append(H2Hit("http/1.1", path, headers.get("user-agent", ""), None, index))
            status, body, ctype = self._response(path)
            conn.sendall(
                f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
            )


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_site(pki: Pki) -> Iterator[TlsSite]:
    server = TlsSite(
        pki,
        {
            "/robots.txt": (ROBOTS, "text/plain; charset=utf-8"),
            "/docs/a1": (PAGE_A, "text/html; charset=utf-8"),
            "/docs/b1": (PAGE_B, "text/html; charset=utf-8"),
            "/docs/sheet.pdf": (b"%PDF-1.4 not a page", "application/pdf"),  # only crawled when asked for
        },
    ).start()
    yield server
    server.stop()


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _crawl(site: TlsSite, raw: Path, start: tuple[str, ...] = ("/docs/a1",), **overrides: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    config = fast_config(raw, start=[f"{site.base}{path}" for path in start], **overrides)
    report = scrape(config)
    manifest, failures = _lines(raw / "manifest.jsonl"), _lines(raw / "failures.jsonl")
    assert report.fetched == len([e for e in manifest if e["event"] == "fetched"])
    return manifest, failures


def _assert_stored(site: TlsSite, raw: Path, manifest: list[dict[str, Any]], http_version: str) -> None:
    by_url = {e["url"]: e for e in manifest}
    assert set(by_url) == {f"{site.base}/docs/a1", f"{site.base}/docs/b1"}
    for path, served in (("/docs/a1", PAGE_A), ("/docs/b1", PAGE_B)):
        entry = by_url[f"{site.base}{path}"]
        assert entry["event"] == "fetched" and entry["status"] == 200
        assert entry["http_version"] == http_version
        assert entry["sha256"] == hashlib.sha256(served).hexdigest()
        assert (raw / entry["path"]).read_bytes() == served


# --- tests ---------------------------------------------------------------------------------------


def test_http2_crawl_over_tls_with_ca_bundle(tls_site: TlsSite, pki: Pki, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    manifest, failures = _crawl(tls_site, raw, ca_bundle=pki.ca_pem)

    assert failures == []
    _assert_stored(tls_site, raw, manifest, "HTTP/2")
    # what the server saw: every TLS connection chose h2, each path exactly once as an HTTP/2 stream
    assert tls_site.handshake_failures == 0 and tls_site.alpn and set(tls_site.alpn) == {"h2"}
    for path in ("/robots.txt", "/docs/a1", "/docs/b1"):
        assert tls_site.count(path, "h2") == 1, path
    assert len(tls_site.hits) == 3
    assert all(h.stream_id is not None and h.stream_id % 2 == 1 for h in tls_site.hits)  # client-initiated streams
    assert {h.user_agent for h in tls_site.hits} == {UA}


def test_http2_off_uses_http11_over_tls(tls_site: TlsSite, pki: Pki, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    manifest, failures = _crawl(tls_site, raw, ca_bundle=pki.ca_pem, http2=False)

    assert failures == []
    _assert_stored(tls_site, raw, manifest, "HTTP/1.1")
    assert set(tls_site.alpn) == {"http/1.1"}  # h2 was never offered
    for path in ("/robots.txt", "/docs/a1", "/docs/b1"):
        assert tls_site.count(path, "http/1.1") == 1, path
    assert len(tls_site.hits) == 3


def test_failures_say_which_protocol_answered(tls_site: TlsSite, pki: Pki, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    manifest, failures = _crawl(tls_site, raw, start=("/docs/a1", "/docs/sheet.pdf"), ca_bundle=pki.ca_pem)

    _assert_stored(tls_site, raw, manifest, "HTTP/2")
    assert [(f["url"], f["cause"], f["status"], f["http_version"]) for f in failures] == [
        (f"{tls_site.base}/docs/sheet.pdf", "unsupported_content_type", 200, "HTTP/2")]


def test_unknown_ca_is_refused_without_ca_bundle(tls_site: TlsSite, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    manifest, failures = _crawl(tls_site, raw, max_retries=0)

    # certifi does not know the throwaway CA: no request ever reaches the server, nothing is stored;
    # robots.txt unreachable means disallow all (RFC 9309), so the start page is skipped
    assert manifest == []
    assert tls_site.hits == [] and tls_site.handshake_failures >= 1
    assert [(f["url"], f["cause"]) for f in failures] == [(f"{tls_site.base}/docs/a1", "robots_disallowed")]
    assert not list((raw / "pages").rglob("*.html"))


def test_ca_bundle_errors_are_config_errors(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    for path in (bogus, tmp_path / "missing.pem"):
        config = fast_config(tmp_path / "raw", start=["https://127.0.0.1:1/"], ca_bundle=path)
        with pytest.raises(ConfigError):
            config.ssl_context()
        result = CliRunner().invoke(
            _app(), ["scrape", "--start", "https://127.0.0.1:1/", "--ca-bundle", str(path), "--raw", str(tmp_path)]
        )
        assert result.exit_code == 2, result.output
        message = result.stderr.strip()
        assert message.startswith("error: ") and "\n" not in message, message
        assert "ca_bundle" in message or "CA certificates" in message, message


def test_ca_bundle_from_cli_flag(tls_site: TlsSite, pki: Pki, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    result = CliRunner().invoke(
        _app(),
        [
            "scrape", "--start", f"{tls_site.base}/docs/a1", "--raw", str(raw), "--ca-bundle", str(pki.ca_pem),
            "--allow-private-addresses", "--min-delay", "0.02", "--user-agent", UA,
        ],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    _assert_stored(tls_site, raw, _lines(raw / "manifest.jsonl"), "HTTP/2")
