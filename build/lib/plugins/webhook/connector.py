"""POST each event as a CloudEvent to one endpoint; map the answer to gateway errors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from gateway.plugin_api import (
    DeliveryResult,
    Event,
    Health,
    PermanentError,
    ThrottledError,
    TransientError,
    http_failures_as,
    signed_headers,
)
from plugins.webhook.settings import WebhookSettings

RETRYABLE_4XX = {408, 425}


def envelope_of(event: Event) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "datacontenttype": "application/json",
        "data": dict(event.data),
    }
    if event.subject:
        envelope["subject"] = event.subject
    if event.time:
        envelope["time"] = event.time
    return envelope


def retry_after_seconds(value: str | None, default: float = 60.0) -> float:
    if value and value.strip().isdigit():
        return float(value.strip())
    return default


class WebhookConnector:
    def __init__(
        self, name: str, settings: WebhookSettings, client: httpx.AsyncClient | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=settings.timeout)

    async def deliver(self, event: Event) -> DeliveryResult:
        body = json.dumps(envelope_of(event), ensure_ascii=False).encode("utf-8")
        key = event.idempotency_key(self.name)
        headers = {"Content-Type": "application/cloudevents+json", "Idempotency-Key": key}
        if self.settings.secret:
            headers.update(signed_headers(self.settings.secret, key, body))
        with http_failures_as(self.settings.url):
            response = await self.client.post(self.settings.url, content=body, headers=headers)
        text = response.text[:500]
        if response.status_code == 429:
            raise ThrottledError(
                f"429 from receiver: {text}",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500 or response.status_code in RETRYABLE_4XX:
            raise TransientError(f"HTTP {response.status_code} from receiver: {text}")
        if response.status_code >= 400:
            raise PermanentError(f"HTTP {response.status_code} from receiver: {text}")
        try:
            answer: Any = response.json() if text else None
        except ValueError:
            answer = text
        return DeliveryResult(result={"status": response.status_code, "response": answer})

    async def health(self) -> Health:
        if not self.settings.health_url:
            return Health(True, "no health_url configured")
        try:
            response = await self.client.get(self.settings.health_url)
        except httpx.HTTPError as exc:
            return Health(False, f"{type(exc).__name__}: {exc}")
        return Health(response.is_success, f"HTTP {response.status_code}")

    async def aclose(self) -> None:
        await self.client.aclose()
