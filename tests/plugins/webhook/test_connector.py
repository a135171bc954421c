"""The webhook connector alone against real loopback servers: the receiver mock and a hostile backend."""

from __future__ import annotations

import json

import pytest

from gateway.errors import ConnectionFailed, PermanentError, ThrottledError, TransientError
from gateway.plugin_api import Event
from gateway.signature import verify
from mocks.webhook import WebhookReceiver
from plugins.webhook.connector import WebhookConnector
from plugins.webhook.settings import WebhookSettings
from tests.support.hostile import Answer
from tests.support.settings import SECRET

EVENT = Event(
    id="e1",
    type="request.submitted",
    source="/portal",
    data={"request_id": "R1"},
    subject="request/R1",
    time="2026-11-20T09:00:00Z",
)


@pytest.fixture
async def receiver():  # type: ignore[no-untyped-def]
    mock = WebhookReceiver()
    await mock.start()
    yield mock
    await mock.stop()


@pytest.fixture
async def connector(receiver):  # type: ignore[no-untyped-def]
    made = WebhookConnector(
        "hook",
        WebhookSettings(
            url=receiver.url + "/events", secret=SECRET, health_url=receiver.url + "/health"
        ),
    )
    yield made
    await made.aclose()


def to(url: str) -> WebhookConnector:
    return WebhookConnector("hook", WebhookSettings(url=url, secret=SECRET, timeout=2))


async def test_posts_a_signed_cloudevent_with_an_idempotency_key(receiver, connector) -> None:  # type: ignore[no-untyped-def]
    result = await connector.deliver(EVENT)
    assert result.result == {
        "status": 201,
        "response": {"received": "e1:hook", "sequence": 1, "duplicate": False},
    }
    (request,) = receiver.requests
    assert request.headers["Idempotency-Key"] == "e1:hook"
    assert request.headers["Content-Type"] == "application/cloudevents+json"
    assert request.headers["Accept-Encoding"] == "identity"  # a compressed answer is not asked for
    body = json.loads(request.body)
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
    verify(request.headers, request.body.encode(), [SECRET])


@pytest.mark.parametrize(
    ("answer", "error", "text"),
    [
        (Answer(500, body=b"boom"), TransientError, "HTTP 500 from receiver: boom"),
        (Answer(408, body=b""), TransientError, "HTTP 408"),
        (Answer(400, body=b"bad field"), PermanentError, "bad field"),
        (Answer(429, headers={"Retry-After": "120"}, body=b""), ThrottledError, "429"),
        (Answer(307, headers={"Location": "http://x/"}, body=b""), PermanentError, "not followed"),
    ],
)
async def test_answers_map_to_gateway_errors(hostile, answer, error, text) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = answer
    sender = to(hostile.url + "/events")
    with pytest.raises(error, match=text) as caught:
        await sender.deliver(EVENT)
    await sender.aclose()
    if error is ThrottledError:
        assert caught.value.retry_after == 120
    assert hostile.requests == 1  # a redirect is not followed


async def test_transport_failures(receiver) -> None:  # type: ignore[no-untyped-def]
    from gateway.devtools.ports import free_port

    nowhere = to(f"http://127.0.0.1:{free_port()}/events")
    with pytest.raises(ConnectionFailed, match="cannot reach"):
        await nowhere.deliver(EVENT)
    await nowhere.aclose()
    receiver.set_faults(outage=True)  # the connection is dropped without an answer
    dropped = to(receiver.url + "/events")
    with pytest.raises(TransientError, match=r"ServerDisconnected|talking to") as caught:
        await dropped.deliver(EVENT)
    assert not isinstance(caught.value, ConnectionFailed)  # it may have arrived: not "unreachable"
    await dropped.aclose()


async def test_a_slow_receiver_is_a_transient_timeout(hostile) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(200, body=b"x" * 10, chunk=1, pause=0.5)
    slow = WebhookConnector("hook", WebhookSettings(url=hostile.url + "/events", timeout=0.5))
    with pytest.raises(TransientError, match="in time"):
        await slow.deliver(EVENT)
    await slow.aclose()


async def test_non_json_success_body_is_kept_as_text(hostile) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(200, body=b"thanks")
    sender = to(hostile.url + "/events")
    assert (await sender.deliver(EVENT)).result == {"status": 200, "response": "thanks"}
    hostile.answer = Answer(200, body=b'{"a": "' + b"y" * 10_000 + b'"}')
    kept = (await sender.deliver(EVENT)).result["response"]
    assert isinstance(kept, str) and "cut at 4096 bytes" in kept and len(kept) < 5000
    await sender.aclose()


async def test_health(receiver, connector) -> None:  # type: ignore[no-untyped-def]
    assert (await connector.health()).ok
    receiver.set_faults(fail_next=1)
    assert not (await connector.health()).ok
    await receiver.stop()
    health = await connector.health()
    assert not health.ok and "cannot reach" in health.detail


@pytest.mark.parametrize(
    "section", [{"url": "ftp://x"}, {"url": "http://receiver.test/events", "secret": "plain"}, {}]
)
def test_bad_settings(section: dict) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        WebhookSettings.model_validate(section)
