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
    backend_client,
    current_traceparent,
    first_bytes,
    http_failures_as,
    is_redirect,
    mask,
    retry_after_seconds,
    signed_headers,
)
from plugins.webhook.settings import WebhookSettings

RETRYABLE_4XX = {408, 425}
#: how much of a receiver's answer is kept in the delivery's result (the rest is cut)
KEPT_ANSWER_BYTES = 4096


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
    # dataschema and extension attributes (partitionkey, ...) travel on unchanged; the trace
    # context is this delivery's own, so the receiver's work joins the same trace
    for name, value in event.extensions.items():
        envelope.setdefault(name, value)
    traceparent = current_traceparent()
    if traceparent:
        envelope["traceparent"] = traceparent
    return envelope


def kept(answer: str, cut: bool) -> Any:
    """The receiver's answer as stored in the delivery: its JSON when whole, else masked text."""
    if not cut:
        try:
            return json.loads(answer) if answer else None
        except ValueError:
            return mask(answer)
    return mask(answer) + f"… (cut at {KEPT_ANSWER_BYTES} bytes; the rest was not read)"


class WebhookConnector:
    def __init__(
        self, name: str, settings: WebhookSettings, client: httpx.AsyncClient | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        self.client = client or backend_client(
            timeout=settings.timeout,
            max_answer_bytes=settings.max_answer_bytes,
            follow_redirects=settings.follow_redirects,
        )

    async def deliver(self, event: Event) -> DeliveryResult:
        body = json.dumps(envelope_of(event), ensure_ascii=False).encode("utf-8")
        key = event.idempotency_key(self.name)
        headers = {"Content-Type": "application/cloudevents+json", "Idempotency-Key": key}
        if self.settings.secret:
            headers.update(signed_headers(self.settings.secret, key, body))
        with http_failures_as(self.settings.url):
            async with self.client.stream(
                "POST", self.settings.url, content=body, headers=headers
            ) as response:
                # the status decides; of the answer only its start is read and kept
                head, cut = await first_bytes(response, KEPT_ANSWER_BYTES)
        return self._judged(response, head.decode("utf-8", "replace"), cut)

    def _judged(self, response: httpx.Response, answer: str, cut: bool) -> DeliveryResult:
        text = mask(answer[:500])
        if response.status_code == 429:
            raise ThrottledError(
                f"429 from receiver: {text}",
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500 or response.status_code in RETRYABLE_4XX:
            raise TransientError(f"HTTP {response.status_code} from receiver: {text}")
        if response.status_code >= 400:
            raise PermanentError(f"HTTP {response.status_code} from receiver: {text}")
        if is_redirect(response):
            where = response.headers.get("Location", "?")[:200]
            raise PermanentError(
                f"HTTP {response.status_code} from receiver, a redirect to {where}: "
                "not followed, so nothing was delivered; check the url",
                code=f"http_{response.status_code}",
            )
        return DeliveryResult(
            result={"status": response.status_code, "response": kept(answer, cut)}
        )

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
