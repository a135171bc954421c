"""A webhook receiver: keeps every event, answers a repeated Idempotency-Key with the first answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from mocks.base import MockBackend


class WebhookReceiver(MockBackend):
    name = "webhook"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/events") -> None:
        self.path = path
        self.received: dict[str, dict[str, Any]] = {}
        self.deliveries_seen: dict[str, int] = {}
        #: seconds each delivery takes inside the receiver, so overlapping
        #: deliveries of one key (a double dispatch) can be seen in `overlaps`
        self.processing_seconds = 0.0
        self.in_flight: set[str] = set()
        self.overlaps: list[str] = []
        super().__init__(host, port)

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post(self.path, self._receive)
        app.router.add_get("/health", self._health)

    def state(self) -> dict[str, Any]:
        return {"events": list(self.received.values()), "times_seen": self.deliveries_seen}

    def reset_state(self) -> None:
        self.received.clear()
        self.deliveries_seen.clear()
        self.overlaps.clear()

    async def _receive(self, request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return web.json_response({"error": "Idempotency-Key header is required"}, status=400)
        try:
            event = json.loads(await request.text())
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(event, dict) or "id" not in event:
            return web.json_response({"error": "body is not a CloudEvent"}, status=422)
        self.deliveries_seen[key] = self.deliveries_seen.get(key, 0) + 1
        if key in self.in_flight:
            self.overlaps.append(key)
        self.in_flight.add(key)
        try:
            await asyncio.sleep(self.processing_seconds)
        finally:
            self.in_flight.discard(key)
        first = key not in self.received
        if first:
            self.received[key] = {"key": key, "sequence": len(self.received) + 1, "event": event}
        return web.json_response(
            {"received": key, "sequence": self.received[key]["sequence"], "duplicate": not first},
            status=201 if first else 200,
        )

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})
