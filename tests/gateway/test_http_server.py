"""Issue 12, finding 1: connections that never finish cannot starve everyone else.

Raw sockets on loopback play the attacker; a second loopback address
(127.0.0.2, 127.0.0.3: Linux routes all of 127/8 to lo) plays everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.config_sections import ServerLimits
from gateway.http_server import Admission, raise_fd_limit
from tests.support.settings import build_settings


def _port(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


async def _open(port: int, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, Any]:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return await asyncio.open_connection(sock=sock)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent before closing; fails if it is still open after `seconds`."""
    received = b""
    async with asyncio.timeout(seconds):
        while chunk := await reader.read(4096):
            received += chunk
    return received


async def _healthz(port: int, source: str) -> int:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=5) as client:
        return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code


@contextlib.asynccontextmanager
async def _gateway(start_gateway, sqlite_url: str, **limits: Any) -> AsyncIterator[int]:  # type: ignore[no-untyped-def]
    settings = build_settings(sqlite_url, server=limits)
    portal, _app = await start_gateway(settings)
    yield _port(portal.base_url)


async def test_finding1_headers_that_never_end_are_dropped_with_408(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    async with _gateway(start_gateway, sqlite_url, header_timeout=0.5) as port:
        reader, writer = await _open(port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        received = await _closed_within(reader, 5)
        assert received.startswith(b"HTTP/1.1 408")
        writer.close()


async def test_finding1_a_body_that_never_arrives_gets_408(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    async with _gateway(start_gateway, sqlite_url, body_timeout=0.5) as port:
        reader, writer = await _open(port)
        writer.write(
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        received = await _closed_within(reader, 5)
        assert received.startswith(b"HTTP/1.1 408")
        assert b"body-timeout" in received
        writer.close()


async def test_finding1_one_address_cannot_take_every_connection(
    start_gateway, sqlite_url, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, "gateway.http")
    async with _gateway(
        start_gateway, sqlite_url, max_connections_per_client=20, header_timeout=30
    ) as port:
        held = []
        for _ in range(20):  # the attacker's share: half a request each, held open
            reader, writer = await _open(port)
            writer.write(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n")
            held.append((reader, writer))
        await asyncio.sleep(0.2)
        refused = []
        for _ in range(80):  # beyond the share: closed at once, before a byte is read
            reader, writer = await _open(port)
            refused.append((reader, writer))
        for reader, _writer in refused:
            assert await _closed_within(reader, 5) == b""
        # everyone else is served while the attacker's connections stay open
        assert await _healthz(port, "127.0.0.2") == 200
        assert await _healthz(port, "127.0.0.3") == 200
        for _reader, writer in held + refused:
            writer.close()
    warnings = [r for r in caplog.records if "refusing connections" in r.getMessage()]
    assert 1 <= len(warnings) <= 2, "one line per 10 s, not one per refused connection"


async def test_finding1_the_total_cap_holds_across_addresses(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    async with _gateway(start_gateway, sqlite_url, max_connections=10, header_timeout=30) as port:
        held = [await _open(port, f"127.0.0.{2 + i % 5}") for i in range(10)]
        await asyncio.sleep(0.2)
        reader, writer = await _open(port, "127.0.0.9")
        assert await _closed_within(reader, 5) == b""
        writer.close()
        for _reader, held_writer in held:
            held_writer.close()
        await asyncio.sleep(0.2)  # freed: a new connection is served again
        assert await _healthz(port, "127.0.0.9") == 200


async def test_kept_alive_connections_still_serve_many_requests(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    async with _gateway(start_gateway, sqlite_url, header_timeout=0.5, idle_timeout=5) as port:
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(3):
                assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                await asyncio.sleep(0.7)  # longer than header_timeout, shorter than idle


def test_admission_counts_per_address_and_in_all() -> None:
    admission = Admission(ServerLimits(max_connections_per_client=2, max_connections=3), 10_000)
    assert admission.admit("a") and admission.admit("a")
    assert not admission.admit("a")
    assert admission.admit("b")
    assert not admission.admit("c")  # three in all
    admission.release("a")
    assert admission.admit("c")
    assert admission.refused == 2


def test_admission_stays_under_the_open_files_limit() -> None:
    admission = Admission(ServerLimits(max_connections=100_000), fd_limit=1024)
    assert admission.max_total == 1024 - 64


def test_raise_fd_limit_never_lowers_it() -> None:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert raise_fd_limit() >= before


@pytest.mark.parametrize(
    "limits",
    [{"header_timeout": 0}, {"body_timeout": -1}, {"max_connections_per_client": 0}, {"x": 1}],
)
def test_bad_limits_are_config_errors(limits: dict[str, Any], sqlite_url: str) -> None:
    from gateway.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        build_settings(sqlite_url, server=limits)
    assert str(caught.value).startswith("gateway.server.")


async def test_finding1_a_repair_body_that_never_arrives_gets_408_too(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    """The body deadline is one mechanism for every reader of a body, not intake's alone."""
    from tests.support.settings import OPERATOR_TOKEN

    async with _gateway(start_gateway, sqlite_url, body_timeout=0.5) as port:
        reader, writer = await _open(port)
        writer.write(
            b"POST /v1/dead-letters/replay HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {OPERATOR_TOKEN}\r\n".encode()
            + b"Content-Length: 100000\r\n\r\n{"
        )
        received = await _closed_within(reader, 5)
        assert received.startswith(b"HTTP/1.1 408")
        assert b"body-timeout" in received
        writer.close()
