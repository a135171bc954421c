"""Unit tests of the webhook connector alone, with respx (no sockets; respx_mock asserts every route was called)."""

from __future__ import annotations

import json

import httpx
import pytest

from gateway.errors import ConnectionFailed, PermanentError, ThrottledError, TransientError
from gateway.plugin_api import Event
from gateway.signature import verify
from plugins.webhook.connector import WebhookConnector
from plugins.webhook.settings import WebhookSettings
from tests.support.settings import SECRET

URL = "http://receiver.test/events"
EVENT = Event(
    id="e1",
    type="request.submitted",
    source="/portal",
    data={"request_id": "R1"},
    subject="request/R1",
    time="2026-11-20T09:00:00Z",
)


@pytest.fixture
async def connector():  # type: ignore[no-untyped-def]
    connector = WebhookConnector(
        "hook", WebhookSettings(url=URL, secret=SECRET, health_url="http://receiver.test/health")
    )
    yield connector
    await connector.aclose()


async def test_posts_a_signed_cloudevent_with_an_idempotency_key(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.post(URL).mock(return_value=httpx.Response(201, json={"ok": 1}))
    result = await connector.deliver(EVENT)
    assert result.result == {"status": 201, "response": {"ok": 1}}
    request = route.calls.last.request
    assert request.headers["Idempotency-Key"] == "e1:hook"
    assert request.headers["Content-Type"] == "application/cloudevents+json"
    body = json.loads(request.content)
    assert body == {
        "specversion": "1.0",
        "id": "e1",
        "source": "/portal",
        "type": "request.submitted",
        "datacontenttype": "application/json",
        "data": {"request_id": "R1"},
        "subject": "request/R1",
        "time": "2026-11-20T09:00:00Z",
    }
    verify(request.headers, request.content, [SECRET])


@pytest.mark.parametrize(
    ("response", "error", "text"),
    [
        (httpx.Response(500, text="boom"), TransientError, "HTTP 500"),
        (httpx.Response(408), TransientError, "HTTP 408"),
        (httpx.Response(400, text="bad field"), PermanentError, "bad field"),
        (httpx.Response(429, headers={"Retry-After": "120"}), ThrottledError, "429"),
    ],
)
async def test_answers_map_to_gateway_errors(respx_mock, connector, response, error, text) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(return_value=response)
    with pytest.raises(error, match=text) as caught:
        await connector.deliver(EVENT)
    if error is ThrottledError:
        assert caught.value.retry_after == 120


async def test_transport_failures(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectionFailed):
        await connector.deliver(EVENT)
    respx_mock.post(URL).mock(side_effect=httpx.ReadError("reset"))
    with pytest.raises(TransientError, match="ReadError"):
        await connector.deliver(EVENT)


async def test_non_json_success_body_is_kept_as_text(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text="thanks"))
    assert (await connector.deliver(EVENT)).result == {"status": 200, "response": "thanks"}


async def test_health(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.get("http://receiver.test/health").mock(
        side_effect=[httpx.Response(200), httpx.Response(503)]
    )
    assert (await connector.health()).ok
    assert not (await connector.health()).ok


@pytest.mark.parametrize("section", [{"url": "ftp://x"}, {"url": URL, "secret": "plain"}, {}])
def test_bad_settings(section: dict) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        WebhookSettings.model_validate(section)
