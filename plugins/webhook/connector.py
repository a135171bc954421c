"""POST each event as a CloudEvent to one endpoint; map the answer to gateway errors."""

from __future__ import annotations

import json
from typing import Any

import orjson

from gateway.plugin_api import (
    BackendAnswer,
    BackendSession,
    DeliveryResult,
    Event,
    GatewayError,
    Health,
    PermanentError,
    ThrottledError,
    TransientError,
    current_traceparent,
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
        self, name: str, settings: WebhookSettings, session: BackendSession | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        # aiohttp, not httpx: this plugin carries every event, and httpcore's pool does not
        # keep up with many requests at once (see plugin_kit/http_session.py)
        self.session = session or BackendSession(
            timeout=settings.timeout,
            follow_redirects=settings.follow_redirects,
            connections=max(settings.concurrency, 1),
        )

    async def deliver(self, event: Event) -> DeliveryResult:
        body = orjson.dumps(envelope_of(event))  # UTF-8, compact: a tenth of json.dumps's time
        key = event.idempotency_key(self.name)
        headers = {"Content-Type": "application/cloudevents+json", "Idempotency-Key": key}
        if self.settings.secret:
            headers.update(signed_headers(self.settings.secret, key, body))
        # the status decides; of the answer only its start is read and kept
        answer = await self.session.request(
            "POST", self.settings.url, content=body, headers=headers, keep=KEPT_ANSWER_BYTES
        )
        return self._judged(answer)

    def _judged(self, answer: BackendAnswer) -> DeliveryResult:
        text = answer.head.decode("utf-8", "replace")
        # what a failure shows of the answer; a success keeps the answer itself (`kept`)
        shown = mask(text[:500]) if answer.status >= 300 else ""
        if answer.status == 429:
            raise ThrottledError(
                f"429 from receiver: {shown}",
                retry_after=retry_after_seconds(answer.headers.get("Retry-After")),
            )
        if answer.status >= 500 or answer.status in RETRYABLE_4XX:
            raise TransientError(f"HTTP {answer.status} from receiver: {shown}")
        if answer.status >= 400:
            raise PermanentError(f"HTTP {answer.status} from receiver: {shown}")
        if answer.is_redirect:
            where = answer.headers.get("Location", "?")[:200]
            raise PermanentError(
                f"HTTP {answer.status} from receiver, a redirect to {where}: "
                "not followed, so nothing was delivered; check the url",
                code=f"http_{answer.status}",
            )
        return DeliveryResult(result={"status": answer.status, "response": kept(text, answer.cut)})

    async def health(self) -> Health:
        if not self.settings.health_url:
            return Health(True, "no health_url configured")
        try:
            answer = await self.session.request("GET", self.settings.health_url, keep=0)
        except GatewayError as exc:
            return Health(False, exc.message)
        return Health(200 <= answer.status < 300, f"HTTP {answer.status}")

    async def aclose(self) -> None:
        await self.session.aclose()
