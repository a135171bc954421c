"""The listening socket: connection and time limits in front of aiohttp, for `serve`, tests and the demo.

Found by attack (issue 12, finding 1): 1,100 connections that send headers
and then nothing were never dropped, and at a 1,024 open-files limit nobody
else could connect. Here every connection is admitted against a cap per
client address and a cap in all, must send its first request's head within
`header_timeout`, and waits at most `idle_timeout` between requests
(aiohttp's keep-alive timer, which also runs before the first request).
The body has `body_timeout`, enforced where a body is read (intake, repair).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

from aiohttp import web

from gateway.config_sections import ServerLimits
from gateway.logs import AccessLogger

log = logging.getLogger("gateway.http")
FD_HEADROOM = 64  # descriptors kept for the database, backends and logs
_HEAD_END = b"\r\n\r\n"
_TOO_SLOW = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one; return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


class Admission:
    """Open connections per client address and in all, against the configured caps."""

    def __init__(self, limits: ServerLimits, fd_limit: int | None = None) -> None:
        self.limits = limits
        ceiling = (fd_limit or resource.getrlimit(resource.RLIMIT_NOFILE)[0]) - FD_HEADROOM
        self.max_total = max(1, min(limits.max_connections, ceiling))
        self.open: Counter[str] = Counter()
        self.refused = 0
        self._last_warning = 0.0

    def admit(self, address: str) -> bool:
        if (
            self.open[address] >= self.limits.max_connections_per_client
            or self.open.total() >= self.max_total
        ):
            self.refused += 1
            now = time.monotonic()
            if now - self._last_warning > 10:  # one line per 10 s, not one per refused connection
                self._last_warning = now
                log.warning(
                    "refusing connections: %d open from %s, %d in all (refused so far: %d)",
                    self.open[address],
                    address,
                    self.open.total(),
                    self.refused,
                )
            return False
        self.open[address] += 1
        return True

    def release(self, address: str) -> None:
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


class _GuardedConnection(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind admission and the first-head timer."""

    def __init__(self, make_inner: Callable[[], Any], admission: Admission) -> None:
        self._make_inner = make_inner
        self._admission = admission
        self._inner: Any = None
        self._address = ""
        self._transport: asyncio.Transport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self._admission.admit(address):
            cast(asyncio.Transport, transport).abort()
            return
        self._address = address
        self._transport = cast(asyncio.Transport, transport)
        self._timer = asyncio.get_running_loop().call_later(
            self._admission.limits.header_timeout, self._head_too_slow
        )
        self._inner = self._make_inner()
        self._inner.connection_made(transport)

    def _head_too_slow(self) -> None:
        self._timer = None
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(_TOO_SLOW)
            self._transport.close()

    def data_received(self, data: bytes) -> None:
        if self._timer is not None:
            seen = self._tail + data
            if _HEAD_END in seen:
                self._timer.cancel()
                self._timer = None
            else:
                self._tail = seen[-3:]
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._inner is not None:
            self._admission.release(self._address)
            inner, self._inner = self._inner, None
            inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()


class _GuardedServer:
    """aiohttp's `web.Server` as the runner uses it, making guarded connections."""

    def __init__(self, server: web.Server, admission: Admission) -> None:
        self._server = server
        self.admission = admission

    def __call__(self) -> _GuardedConnection:
        return _GuardedConnection(self._server, self.admission)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


class GuardedRunner(web.AppRunner):
    """An AppRunner whose connections pass admission and the time limits."""

    def __init__(self, app: web.Application, limits: ServerLimits, **options: Any) -> None:
        super().__init__(
            app,
            keepalive_timeout=limits.idle_timeout,
            # after an answer to a request whose body never came (a 408), drain it this long at most
            lingering_time=min(limits.body_timeout, 5.0),
            access_log_class=AccessLogger,
            **options,
        )
        self.admission = Admission(limits)

    async def _make_server(self) -> web.Server:
        return cast(web.Server, _GuardedServer(await super()._make_server(), self.admission))


@asynccontextmanager
async def listening(
    app: web.Application, host: str, port: int, limits: ServerLimits, **options: Any
) -> AsyncIterator[GuardedRunner]:
    """Serve `app` on host:port until the block ends; `runner.addresses` says where."""
    runner = GuardedRunner(app, limits, **options)
    try:
        await runner.setup()  # a failed start-up still closes what it opened, in finally
        await web.TCPSite(runner, host, port).start()
        yield runner
    finally:
        await runner.cleanup()
