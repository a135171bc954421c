"""The portal's side of the contract: sign and post events, read their outcome.

Used by the demo, the tests and the benchmark, and a reference for the portal's developers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from gateway.signature import signed_headers


class PortalClient:
    def __init__(
        self,
        base_url: str,
        secret: str,
        token: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.token = token
        self.client = client or httpx.AsyncClient(timeout=30)

    async def post_event(
        self, event: Mapping[str, Any], *, timestamp: int | None = None
    ) -> httpx.Response:
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/cloudevents+json"}
        headers.update(signed_headers(self.secret, str(event.get("id", "")), body, timestamp))
        return await self.client.post(f"{self.base_url}/v1/events", content=body, headers=headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.client.get(
            f"{self.base_url}{path}", headers=headers, params=params or None
        )

    async def wait_settled(self, event_id: str, within: float = 30.0) -> dict[str, Any]:
        """Poll the event until no delivery is pending; return its view."""
        deadline = time.monotonic() + within
        while True:
            response = await self.get(f"/v1/events/{event_id}")
            response.raise_for_status()
            view = response.json()
            if view["status"] != "pending" or time.monotonic() > deadline:
                return view
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        await self.client.aclose()
