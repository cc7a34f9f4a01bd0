"""Connect-time address guard: refuse loopback/private/link-local targets unless allowed.

The check runs on the resolved addresses right before the TCP connect, so it also
covers redirects and DNS answers that change between checks (rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import typing

import anyio
import httpcore
import httpx
from httpcore import AsyncNetworkBackend, AsyncNetworkStream


class BlockedAddress(Exception):
    """The host resolves to an address the crawler may not connect to."""


def is_public_address(ip: str) -> bool:
    """True for globally routable unicast addresses (IPv4-mapped IPv6 unwrapped)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


class GuardedBackend(AsyncNetworkBackend):
    """httpcore network backend that resolves the host itself and vets every address."""

    def __init__(self, inner: AsyncNetworkBackend, allow_private: bool) -> None:
        self._inner = inner
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self._allow_private:
            blocked = [a for a in addresses if not is_public_address(a)]
            if blocked:
                raise BlockedAddress(f"{host} resolves to non-public address {blocked[0]}")
        last: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Any = None
    ) -> AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    *, http2: bool, allow_private: bool, max_connections: int, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """An httpx transport (no proxies, no transport-level retries) using GuardedBackend.

    `ssl_context` (certificates verified; default: certifi's CA bundle) is used for HTTPS."""
    transport = httpx.AsyncHTTPTransport(
        verify=ssl_context if ssl_context is not None else True,
        http1=True,
        http2=http2,
        retries=0,
        trust_env=False,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
    )
    pool = transport._pool  # httpx 0.28 keeps the httpcore pool here
    if not isinstance(getattr(pool, "_network_backend", None), AsyncNetworkBackend):
        raise RuntimeError("unsupported httpx/httpcore version: cannot install the address guard")
    pool._network_backend = GuardedBackend(pool._network_backend, allow_private)
    return transport
