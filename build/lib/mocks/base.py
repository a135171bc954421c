"""The base every mock backend stands on: a real aiohttp server plus an admin surface.

`/_mock/requests` lists what it received, `/_mock/state` what it holds,
`/_mock/faults` sets fault injection, `/_mock/reset` forgets everything.
Faults apply to the backend's own paths, never to the admin surface:
- `latency_ms`: wait before answering; with `latency_phase: "after"` the work
  is done first and only the answer waits (a crash test kills the caller then);
- `fail_next`: the next N requests fail;
- `error_rate`: each request fails with this probability (seeded by `seed`);
- `error_phase`: "before" fails without doing the work, "after" does the
  work and then fails the answer (the case that tests exactly-once);
- `outage`: the connection is dropped without an answer;
- `only_path`: faults touch only requests to this path (e.g. the send, not the token);
- `error_status` / `retry_after`: the status (and Retry-After) of an injected
  failure, for HTTP mocks; protocol mocks answer in their own terms.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

ADMIN_PREFIX = "/_mock/"


@dataclass
class Faults:
    error_rate: float = 0.0
    fail_next: int = 0
    latency_ms: float = 0.0
    latency_phase: str = "before"
    outage: bool = False
    error_phase: str = "before"
    error_status: int = 503
    retry_after: int | None = None
    seed: int | None = None
    only_path: str | None = None

    @classmethod
    def parse(cls, document: Any) -> Faults:
        """Validate an admin request; ValueError says what is wrong."""
        if not isinstance(document, dict):
            raise ValueError("send a JSON object")
        unknown = set(document) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        faults = cls(**document)
        if not isinstance(faults.error_rate, int | float) or not 0 <= faults.error_rate <= 1:
            raise ValueError("error_rate must be a number from 0 to 1")
        if not isinstance(faults.fail_next, int) or faults.fail_next < 0:
            raise ValueError("fail_next must be a whole number >= 0")
        if not isinstance(faults.latency_ms, int | float) or faults.latency_ms < 0:
            raise ValueError("latency_ms must be a number >= 0")
        if not isinstance(faults.outage, bool):
            raise ValueError("outage must be true or false")
        if faults.only_path is not None and (
            not isinstance(faults.only_path, str) or not faults.only_path.startswith("/")
        ):
            raise ValueError('only_path must be a path starting with "/"')
        if faults.latency_phase not in ("before", "after"):
            raise ValueError('latency_phase must be "before" or "after"')
        if faults.error_phase not in ("before", "after"):
            raise ValueError('error_phase must be "before" or "after"')
        if not isinstance(faults.error_status, int) or not 400 <= faults.error_status <= 599:
            raise ValueError("error_status must be an HTTP error status (400-599)")
        if faults.retry_after is not None and (
            not isinstance(faults.retry_after, int) or faults.retry_after < 0
        ):
            raise ValueError("retry_after must be whole seconds >= 0")
        return faults


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    answered: int | None = None
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class MockBackend:
    """Subclass it: add routes in `setup_routes`, answer `state()`, clear in `reset_state()`."""

    name = "mock"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self._rng = random.Random()
        self._runner: web.AppRunner | None = None
        self.app = web.Application(middlewares=[self._middleware])
        self.app.router.add_get(ADMIN_PREFIX + "requests", self._admin_requests)
        self.app.router.add_get(ADMIN_PREFIX + "state", self._admin_state)
        self.app.router.add_get(ADMIN_PREFIX + "faults", self._admin_get_faults)
        self.app.router.add_post(ADMIN_PREFIX + "faults", self._admin_set_faults)
        self.app.router.add_post(ADMIN_PREFIX + "reset", self._admin_reset)
        self.setup_routes(self.app)

    # -- for subclasses ----------------------------------------------------

    def setup_routes(self, app: web.Application) -> None:
        """Add the backend's own routes."""

    def state(self) -> dict[str, Any]:
        return {}

    def reset_state(self) -> None:
        """Forget what the backend holds (fixtures are restored by the subclass)."""

    def fault_response(self, request: web.Request) -> web.StreamResponse:
        """How this backend fails; a SOAP mock answers with a Fault, for example."""
        headers = (
            {"Retry-After": str(self.faults.retry_after)}
            if self.faults.retry_after is not None
            else None
        )
        return web.json_response(
            {"error": "injected fault"}, status=self.faults.error_status, headers=headers
        )

    # -- life cycle ---------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> str:
        # a held or slow answer must not keep a stopping mock alive for the default minute
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0 and self._runner.addresses:
            self.port = self._runner.addresses[0][1]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def set_faults(self, **values: Any) -> None:
        self._apply_faults(Faults.parse(values))

    def _apply_faults(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)

    def reset(self) -> None:
        self.faults = Faults()
        self.requests.clear()
        self.reset_state()

    # -- plumbing -------------------------------------------------------------

    def _should_fail(self) -> bool:
        if self.faults.fail_next > 0:
            self.faults.fail_next -= 1
            return True
        return self.faults.error_rate > 0 and self._rng.random() < self.faults.error_rate

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        body = await request.read()
        record = RecordedRequest(
            request.method,
            request.path,
            dict(request.query),
            dict(request.headers),
            body.decode("utf-8", "replace"),
        )
        self.requests.append(record)
        faults = self.faults
        if faults.only_path is not None and request.path != faults.only_path:
            response = await handler(request)
            record.answered = response.status
            return response
        if faults.latency_ms and faults.latency_phase == "before":
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.outage:
            record.fault = "outage"
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing more to say on a dropped connection
        fail = self._should_fail()
        if fail and faults.error_phase == "before":
            record.fault = "error-before"
            response = self.fault_response(request)
        else:
            response = await handler(request)
            if faults.latency_ms and faults.latency_phase == "after":
                record.fault = "held-after"
                await asyncio.sleep(faults.latency_ms / 1000)
            if fail:
                record.fault = "error-after"
                response = self.fault_response(request)
        record.answered = response.status
        return response

    async def _admin_requests(self, _request: web.Request) -> web.Response:
        return web.json_response([asdict(r) for r in self.requests], dumps=_dumps)

    async def _admin_state(self, _request: web.Request) -> web.Response:
        return web.json_response(self.state(), dumps=_dumps)

    async def _admin_get_faults(self, _request: web.Request) -> web.Response:
        return web.json_response(asdict(self.faults))

    async def _admin_set_faults(self, request: web.Request) -> web.Response:
        try:
            self._apply_faults(Faults.parse(await request.json()))
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(asdict(self.faults))

    async def _admin_reset(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
