"""Delivery through real webhook receivers on loopback: isolation, retries, dead letters, replay."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from gateway import appkeys
from gateway.plugin_api import DeliveryResult, Emit, Event, mark_backend_call
from gateway.plugins import PluginHost
from mocks.webhook import WebhookReceiver
from tests.support.events import example
from tests.support.plugins import ScriptedPlugin, WebhookAlias
from tests.support.settings import FAST_RETRY, build_settings


async def until(predicate, within: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def view(portal, event_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await portal.get(f"/v1/events/{event_id}")
    assert response.status_code == 200, response.text
    return response.json()


def webhook(receiver: WebhookReceiver, **extra: Any) -> dict[str, Any]:
    return {"url": receiver.url + "/events", "retry": FAST_RETRY, **extra}


TO_WEBHOOK = [{"type": "request.submitted", "plugins": ["webhook"]}]


async def webhook_gateway(
    start_gateway,
    url: str,
    receiver: WebhookReceiver,
    section: dict[str, Any] | None = None,
    **gateway: Any,
):  # type: ignore[no-untyped-def]
    """A gateway whose only route sends request.submitted to the webhook plugin; returns the portal client."""
    portal, _app = await start_gateway(
        build_settings(url, {"webhook": section or webhook(receiver)}, TO_WEBHOOK, **gateway)
    )
    return portal


async def test_event_is_delivered_once_with_its_result(
    start_gateway, database_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    portal = await webhook_gateway(start_gateway, database_url, receiver)
    event = example("request.submitted")
    await portal.post_event(event)
    settled = await portal.wait_settled(event["id"])
    assert settled["status"] == "delivered"
    (delivery,) = settled["deliveries"]
    assert delivery["state"] == "succeeded" and delivery["attempts"] == 1
    assert delivery["result"]["response"]["received"] == f"{event['id']}:webhook"
    assert delivery["history"][0]["outcome"] == "succeeded"
    assert receiver.deliveries_seen == {f"{event['id']}:webhook": 1}
    assert receiver.received[f"{event['id']}:webhook"]["event"]["data"] == event["data"]


async def test_new_event_is_dispatched_without_waiting_for_a_poll(
    start_gateway, sqlite_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(
        sqlite_url,
        {"webhook": webhook(receiver)},
        TO_WEBHOOK,
        poll_interval=60,
    )
    portal, _ = await start_gateway(settings)
    await asyncio.sleep(0.3)  # the lane is now asleep for up to 60 s
    event = example("request.submitted")
    await portal.post_event(event)
    assert (await portal.wait_settled(event["id"], within=5))["status"] == "delivered"


async def test_slow_plugin_does_not_delay_a_fast_one(start_gateway, database_url) -> None:  # type: ignore[no-untyped-def]
    slow, fast = WebhookReceiver(), WebhookReceiver()
    await slow.start()
    await fast.start()
    try:
        slow.set_faults(latency_ms=3000)
        host = PluginHost(extra={"slow": WebhookAlias(), "fast": WebhookAlias()})
        settings = build_settings(
            database_url,
            {"slow": webhook(slow, concurrency=1), "fast": webhook(fast, concurrency=2)},
            [{"type": "request.submitted", "plugins": ["slow", "fast"]}],
            host=host,
        )
        portal, _ = await start_gateway(settings, host)
        events = [example("request.submitted") for _ in range(6)]
        for event in events:
            assert (await portal.post_event(event)).status_code == 202

        async def fast_done() -> bool:
            views = [await view(portal, e["id"]) for e in events]
            return all(
                next(d for d in v["deliveries"] if d["plugin"] == "fast")["state"] == "succeeded"
                for v in views
            )

        await until(fast_done, within=10)
        views = [await view(portal, e["id"]) for e in events]
        slow_states = [
            next(d for d in v["deliveries"] if d["plugin"] == "slow")["state"] for v in views
        ]
        assert slow_states.count("succeeded") == 0, slow_states
        assert len(fast.received) == 6
    finally:
        await slow.stop()
        await fast.stop()


async def test_failing_plugin_backs_off_goes_dead_and_replays(
    start_gateway, database_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    portal = await webhook_gateway(start_gateway, database_url, receiver)
    receiver.set_faults(error_rate=1.0)
    event = example("request.submitted")
    await portal.post_event(event)
    settled = await portal.wait_settled(event["id"])
    assert settled["status"] == "dead"
    (delivery,) = settled["deliveries"]
    assert delivery["state"] == "dead"
    assert delivery["attempts"] == FAST_RETRY["max_attempts"]
    assert "gave up after 3 failed attempts" in delivery["last_error"]
    assert "HTTP 503" in delivery["last_error"]
    assert [h["outcome"] for h in delivery["history"]] == ["transient"] * 3
    starts = [h["started_at"] for h in delivery["history"]]
    assert starts == sorted(starts)

    dead = (await portal.get("/v1/dead-letters")).json()["items"]
    assert [(d["event_id"], d["plugin"]) for d in dead] == [(event["id"], "webhook")]

    receiver.set_faults()
    replay = await portal.client.post(
        f"{portal.base_url}/v1/events/{event['id']}/replay",
        headers={"Authorization": f"Bearer {portal.token}"},
    )
    assert replay.status_code == 202 and replay.json()["replayed"] == ["webhook"]
    settled = await portal.wait_settled(event["id"])
    assert settled["status"] == "delivered"
    assert settled["deliveries"][0]["attempts"] == 4
    assert (await portal.get("/v1/dead-letters")).json()["items"] == []


async def test_permanent_error_is_dead_at_once(start_gateway, sqlite_url, receiver) -> None:  # type: ignore[no-untyped-def]
    portal = await webhook_gateway(start_gateway, sqlite_url, receiver)
    receiver.set_faults(fail_next=1, error_status=422)
    event = example("request.submitted")
    await portal.post_event(event)
    settled = await portal.wait_settled(event["id"])
    (delivery,) = settled["deliveries"]
    assert (delivery["state"], delivery["attempts"], delivery["last_error_kind"]) == (
        "dead",
        1,
        "permanent",
    )
    assert "HTTP 422" in delivery["last_error"]


async def test_throttled_waits_the_backends_time_without_using_attempts(
    start_gateway, sqlite_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    retry = {**FAST_RETRY, "max_attempts": 1}
    settings = build_settings(
        sqlite_url,
        {"webhook": webhook(receiver, retry=retry)},
        TO_WEBHOOK,
    )
    portal, app = await start_gateway(settings)
    receiver.set_faults(fail_next=2, error_status=429, retry_after=1)
    event = example("request.submitted")
    await portal.post_event(event)

    async def throttled() -> dict | None:
        v = await view(portal, event["id"])
        return v if v["deliveries"][0]["last_error_kind"] == "throttled" else None

    waiting = await until(throttled)
    assert waiting["deliveries"][0]["state"] in ("pending", "running")
    assert app[appkeys.DISPATCHER].breakers()["webhook"]["state"] == "open"
    settled = await portal.wait_settled(event["id"], within=15)
    assert settled["status"] == "delivered", (
        settled
    )  # max_attempts=1, yet throttled tries did not count
    assert [h["outcome"] for h in settled["deliveries"][0]["history"]] == [
        "throttled",
        "throttled",
        "succeeded",
    ]


async def test_timeout_is_transient(start_gateway, sqlite_url, receiver) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(
        sqlite_url,
        {"webhook": webhook(receiver, timeout=0.3)},
        TO_WEBHOOK,
    )
    portal, _ = await start_gateway(settings)
    receiver.set_faults(latency_ms=1000)
    event = example("request.submitted")
    await portal.post_event(event)

    async def timed_out() -> bool:
        history = (await view(portal, event["id"]))["deliveries"][0]["history"]
        return any(h["outcome"] == "timeout" for h in history)

    await until(timed_out)
    receiver.set_faults()
    settled = await portal.wait_settled(event["id"])
    assert settled["status"] == "delivered"
    assert "no answer within 0.3s" in settled["deliveries"][0]["history"][0]["error"]


async def test_breaker_opens_and_stops_calling_a_dead_backend(
    start_gateway, sqlite_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    retry = {**FAST_RETRY, "max_attempts": 50}
    settings = build_settings(
        sqlite_url,
        {
            "webhook": webhook(
                receiver,
                retry=retry,
                concurrency=1,
                breaker={"failure_threshold": 2, "cooldown": 60},
            )
        },
        TO_WEBHOOK,
    )
    portal, _ = await start_gateway(settings)
    receiver.set_faults(error_rate=1.0)
    for _ in range(3):
        await portal.post_event(example("request.submitted"))

    async def opened() -> dict | None:
        health = (await portal.get("/v1/health")).json()
        return health if health["plugins"]["webhook"]["breaker"]["state"] == "open" else None

    ready = await until(opened)
    assert "HTTP 503" in ready["plugins"]["webhook"]["breaker"]["reason"]
    calls = len(receiver.requests)
    await asyncio.sleep(1.0)
    assert len(receiver.requests) == calls == 2
    metrics = (await portal.client.get(f"{portal.base_url}/metrics")).text
    assert 'gateway_breaker_state{plugin="webhook"} 2.0' in metrics


async def test_derived_events_are_stored_with_success_and_routed(
    start_gateway, database_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    async def register(event: Event) -> DeliveryResult:
        data = {
            "request_id": event.data["request_id"],
            "protocol_number": "101",
            "protocol_date": "2026-11-20",
            "registry": "test",
        }
        return DeliveryResult(result=data, emit=[Emit("request.registered", data)])

    host = PluginHost(extra={"registry": ScriptedPlugin(register)})
    settings = build_settings(
        database_url,
        {"registry": {}, "webhook": webhook(receiver)},
        [
            {"type": "request.submitted", "plugins": ["registry"]},
            {"type": "request.registered", "plugins": ["webhook"]},
        ],
        host=host,
    )
    portal, _ = await start_gateway(settings, host)
    event = example("request.submitted")
    await portal.post_event(event)
    cause = await portal.wait_settled(event["id"])
    (delivery,) = cause["deliveries"]
    assert delivery["emitted"] == [f"{event['id']}~registry"]
    derived = await portal.wait_settled(delivery["emitted"][0])
    assert derived["type"] == "request.registered"
    assert derived["subject"] == event["subject"]
    assert derived["caused_by"] == event["id"]
    assert derived["source"] == "/gateway/plugins/registry"
    assert derived["status"] == "delivered"
    assert (
        receiver.received[f"{event['id']}~registry:webhook"]["event"]["data"]["protocol_number"]
        == "101"
    )
    listed = (await portal.get("/v1/events", subject=event["subject"])).json()["items"]
    assert {item["id"] for item in listed} >= {event["id"], f"{event['id']}~registry"}


async def test_invalid_derived_event_is_the_plugins_fault(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    async def broken(event: Event) -> DeliveryResult:
        return DeliveryResult(emit=[Emit("request.registered", {"request_id": "x"})])

    host = PluginHost(extra={"registry": ScriptedPlugin(broken)})
    settings = build_settings(
        sqlite_url,
        {"registry": {}},
        [{"type": "request.submitted", "plugins": ["registry"]}],
        host=host,
    )
    portal, _ = await start_gateway(settings, host)
    event = example("request.submitted")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "dead"
    assert "emitted an invalid request.registered event" in delivery["last_error"]
    assert "'protocol_number' is a required property" in delivery["last_error"]


async def test_unexpected_plugin_exception_is_retried(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    """After the backend was called, an unexpected error may pass (before it, see test_hostile_backends)."""
    calls = 0

    async def flaky(event: Event) -> DeliveryResult:
        nonlocal calls
        calls += 1
        mark_backend_call()
        if calls == 1:
            raise KeyError("surprise")
        return DeliveryResult(result={"ok": True})

    host = PluginHost(extra={"flaky": ScriptedPlugin(flaky)})
    settings = build_settings(
        sqlite_url,
        {"flaky": {"retry": FAST_RETRY}},
        [{"type": "request.submitted", "plugins": ["flaky"]}],
        host=host,
    )
    portal, _ = await start_gateway(settings, host)
    event = example("request.submitted")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded"
    assert delivery["history"][0]["error_class"] == "KeyError"


@pytest.mark.parametrize("answer", [None, {"not": "a DeliveryResult"}])
async def test_plugin_returning_garbage_is_dead(start_gateway, sqlite_url, answer) -> None:  # type: ignore[no-untyped-def]
    async def garbage(event: Event):  # type: ignore[no-untyped-def]
        return answer

    host = PluginHost(extra={"bad": ScriptedPlugin(garbage)})
    settings = build_settings(
        sqlite_url, {"bad": {}}, [{"type": "request.submitted", "plugins": ["bad"]}], host=host
    )
    portal, _ = await start_gateway(settings, host)
    event = example("request.submitted")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "dead" and "not DeliveryResult" in delivery["last_error"]


async def test_intake_only_process_leaves_delivery_to_another(
    start_gateway, sqlite_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    routes = TO_WEBHOOK
    intake_only = build_settings(sqlite_url, {"webhook": webhook(receiver)}, routes, dispatch=False)
    portal, _ = await start_gateway(intake_only)
    event = example("request.submitted")
    assert (await portal.post_event(event)).status_code == 202
    await asyncio.sleep(0.5)
    assert (await view(portal, event["id"]))["status"] == "pending" and receiver.requests == []
    worker = build_settings(sqlite_url, {"webhook": webhook(receiver)}, routes)
    await start_gateway(worker)  # a second gateway on the same SQLite file delivers
    assert (await portal.wait_settled(event["id"]))["status"] == "delivered"
