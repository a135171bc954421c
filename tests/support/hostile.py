"""A backend that misbehaves on purpose, as a real loopback server: huge, slow, redirecting, odd headers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok": true}'
    #: send the body in this many bytes a chunk, with `pause` seconds between chunks
    chunk: int = 0
    pause: float = 0.0
    #: answer this many bytes of filler after `body` (a huge answer, streamed)
    filler: int = 0


class HostileBackend:
    """Every request gets `answer`; `requests` counts them and `sent` counts the bytes written."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.requests = 0
        self.sent = 0
        self.finished = 0
        #: the headers of the last request, as they arrived
        self.last_headers: dict[str, str] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _any(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.last_headers = dict(request.headers)
        await request.read()
        answer = self.answer
        response = web.StreamResponse(status=answer.status, headers=answer.headers)
        if not (answer.chunk or answer.filler):
            response.content_length = len(answer.body)
        await response.prepare(request)
        try:
            body = answer.body
            step = answer.chunk or len(body) or 1
            for start in range(0, len(body), step):
                await response.write(body[start : start + step])
                self.sent += len(body[start : start + step])
                if answer.pause:
                    await asyncio.sleep(answer.pause)
            block = b" " * 65536
            left = answer.filler
            while left > 0:
                piece = block[: min(left, len(block))]
                await response.write(piece)
                self.sent += len(piece)
                left -= len(piece)
            await response.write_eof()
            self.finished += 1
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            pass  # the client stopped reading: what we want to see
        return response

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
