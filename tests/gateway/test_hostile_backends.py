"""Issue 12: backends that misbehave and events that poison cannot hold a lane, our time or our memory.

The backends are real loopback servers (tests/support/hostile.py and the mocks).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest

from gateway import appkeys
from gateway.plugin_api import DeliveryResult, Event, PermanentError, mark_backend_call
from gateway.plugins import PluginHost
from gateway.store.models import utcnow
from tests.gateway.test_dispatcher import until, view
from tests.support.events import example
from tests.support.hostile import Answer
from tests.support.plugins import ScriptedPlugin
from tests.support.settings import FAST_RETRY, PORTAL_TOKEN, build_settings
from tests.support.store import store_as_is

TO_WEBHOOK = [{"type": "request.submitted", "plugins": ["webhook"]}]


# -- finding 2: poison is permanent and does not trip the breaker --------------------------------


async def test_finding2_poison_is_dead_at_once_and_the_breaker_stays_closed(
    start_gateway, database_url
) -> None:  # type: ignore[no-untyped-def]
    async def behaviour(event: Event) -> DeliveryResult:
        if event.data.get("subject") == "poison":
            datetime(9999, 12, 31).astimezone()  # fails on the data, before any backend call
            raise AssertionError("unreachable")
        mark_backend_call()
        return DeliveryResult(result={"ok": True})

    plugin = ScriptedPlugin(behaviour)
    host = PluginHost(extra={"scripted": plugin})
    settings = build_settings(
        database_url,
        {"scripted": {"retry": FAST_RETRY, "breaker": {"failure_threshold": 2, "cooldown": 60}}},
        [{"type": "request.submitted", "plugins": ["scripted"]}],
        host=host,
    )
    portal, app = await start_gateway(settings, host)
    poison = [example("request.submitted", data={"subject": "poison"}) for _ in range(6)]
    for event in poison:
        assert (await portal.post_event(event)).status_code == 202
    for event in poison:
        settled = await portal.wait_settled(event["id"])
        (delivery,) = settled["deliveries"]
        assert delivery["state"] == "dead"
        assert delivery["attempts"] == 1
        assert delivery["last_error_kind"] == "permanent"
        assert "before calling its backend" in delivery["last_error"]
    assert app[appkeys.DISPATCHER].breakers()["scripted"]["state"] == "closed"
    good = example("request.submitted")
    await portal.post_event(good)
    assert (await portal.wait_settled(good["id"], within=5))["status"] == "delivered"


async def test_finding2_a_failure_after_the_backend_call_stays_transient(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    calls = 0

    async def behaviour(_event: Event) -> DeliveryResult:
        nonlocal calls
        calls += 1
        mark_backend_call()
        if calls == 1:
            raise KeyError("the backend's answer lacked a field")
        return DeliveryResult(result={"ok": True})

    host = PluginHost(extra={"scripted": ScriptedPlugin(behaviour)})
    settings = build_settings(
        sqlite_url,
        {"scripted": {"retry": FAST_RETRY}},
        [{"type": "request.submitted", "plugins": ["scripted"]}],
        host=host,
    )
    portal, _app = await start_gateway(settings, host)
    event = example("request.submitted")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded"
    assert delivery["history"][0]["outcome"] == "transient"


async def test_finding2_genesis_control_character_in_a_name_is_permanent_without_a_call(
    start_gateway, database_url, genesis
) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(
        database_url,
        {"genesis": {"url": genesis.endpoint, "retry": FAST_RETRY}},
        [{"type": "request.submitted", "plugins": ["genesis"]}],
    )
    portal, app = await start_gateway(settings)
    event = example("request.submitted")
    event["data"]["citizen"]["full_name"] = "Νίκος\x01Παπάς"
    before = len(genesis.requests)
    await store_as_is(app, event, ["genesis"])
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "dead" and delivery["attempts"] == 1
    assert delivery["last_error_kind"] == "permanent"
    assert len(genesis.requests) == before
    assert app[appkeys.DISPATCHER].breakers()["genesis"]["state"] == "closed"


# -- finding 4: a backend does not control our time ----------------------------------------------


@pytest.mark.parametrize("retry_after", ["999999999", "1e20", "²", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_finding4_retry_after_is_capped_and_parsed_safely(
    start_gateway, database_url, hostile, retry_after: str
) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(status=429, headers={"Retry-After": retry_after}, body=b"slow down")
    settings = build_settings(
        database_url,
        {"webhook": {"url": hostile.url + "/events", "retry": FAST_RETRY, "max_throttle": 120}},
        TO_WEBHOOK,
    )
    portal, app = await start_gateway(settings)
    event = example("request.submitted")
    await portal.post_event(event)

    async def throttled() -> dict[str, Any] | None:
        delivery = (await view(portal, event["id"]))["deliveries"][0]
        return delivery if delivery["last_error_kind"] == "throttled" else None

    delivery = await until(throttled)
    assert delivery["state"] == "pending"  # not left `running` by a crashed attempt
    wait = (datetime.fromisoformat(delivery["next_attempt_at"]) - utcnow()).total_seconds()
    assert 0 <= wait <= 121
    assert app[appkeys.DISPATCHER].breakers()["webhook"]["retry_in"] <= 121


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_finding4_a_redirect_is_a_failure_not_a_delivery(
    start_gateway, database_url, hostile, status: int
) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(status=status, headers={"Location": "http://127.0.0.1:9/elsewhere"})
    settings = build_settings(
        database_url, {"webhook": {"url": hostile.url + "/events", "retry": FAST_RETRY}}, TO_WEBHOOK
    )
    portal, _app = await start_gateway(settings)
    event = example("request.submitted")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "dead"
    assert "redirect" in delivery["last_error"] and "not followed" in delivery["last_error"]
    assert hostile.requests == 1


# -- finding 8: answers are bounded, streamed, and stored cut ------------------------------------


async def test_finding8_a_huge_webhook_answer_is_not_stored_whole(
    start_gateway, database_url, hostile
) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(status=200, body=b'{"a": "', filler=10 * 1024 * 1024)
    settings = build_settings(
        database_url, {"webhook": {"url": hostile.url + "/events", "retry": FAST_RETRY}}, TO_WEBHOOK
    )
    portal, _app = await start_gateway(settings)
    event = example("request.submitted")
    await portal.post_event(event)
    settled = await portal.wait_settled(event["id"])
    (delivery,) = settled["deliveries"]
    assert delivery["state"] == "succeeded"  # a 2xx is a delivery, whatever follows it
    kept = delivery["result"]["response"]
    assert isinstance(kept, str) and len(kept) < 5000 and "cut" in kept
    response = await portal.get(f"/v1/events/{event['id']}")
    assert len(response.content) < 50_000


async def test_finding8_a_huge_soap_answer_stops_at_the_cap(
    start_gateway, database_url, hostile
) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(
        status=200, headers={"Content-Type": "text/xml"}, body=b"<x>", filler=100 * 1024 * 1024
    )
    settings = build_settings(
        database_url, {"genesis": {"url": hostile.url + "/genesis", "timeout": 20}}, []
    )
    portal, _app = await start_gateway(settings)
    response = await portal.client.get(
        f"{portal.base_url}/v1/lookups/debts/090165560",
        headers={"Authorization": f"Bearer {PORTAL_TOKEN}"},
    )
    assert response.status_code == 502, response.text
    assert "1048576 bytes" in response.json()["detail"]
    await asyncio.sleep(0.2)
    assert hostile.finished == 0
    assert hostile.sent < 30 * 1024 * 1024  # what loopback buffers hold; not the 100 MB


# -- finding 9: look-ups obey the plugin's timeout -----------------------------------------------


async def test_finding9_a_trickling_backend_cannot_hold_a_lookup(
    start_gateway, database_url, hostile
) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(status=200, body=b"<" * 400, chunk=1, pause=0.1)
    settings = build_settings(
        database_url, {"genesis": {"url": hostile.url + "/genesis", "timeout": 1}}, []
    )
    portal, _app = await start_gateway(settings)
    response = await portal.client.get(
        f"{portal.base_url}/v1/lookups/debts/090165560",
        headers={"Authorization": f"Bearer {PORTAL_TOKEN}"},
    )
    assert response.status_code == 502
    assert "within its timeout of 1s" in response.json()["detail"]
    assert hostile.finished == 0


# -- finding 12: error texts are masked before they are stored ------------------------------------


async def test_finding12_errors_are_masked_before_they_are_stored(
    start_gateway, database_url
) -> None:  # type: ignore[no-untyped-def]
    async def refuse(_event: Event) -> DeliveryResult:
        mark_backend_call()
        raise PermanentError(
            "550 5.1.1 <maria.papadopoulou@example.gr>: no such user (ΑΦΜ 090165560)"
        )

    host = PluginHost(extra={"scripted": ScriptedPlugin(refuse)})
    settings = build_settings(
        database_url,
        {"scripted": {"retry": FAST_RETRY}},
        [{"type": "request.submitted", "plugins": ["scripted"]}],
        host=host,
    )
    portal, app = await start_gateway(settings, host)
    event = example("request.submitted")
    await portal.post_event(event)
    settled = await portal.wait_settled(event["id"])
    text = json.dumps(settled["deliveries"])  # the payload itself holds the address until purged
    assert "maria.papadopoulou@" not in text and "090165560" not in text
    assert "m***@example.gr" in settled["deliveries"][0]["last_error"]
    async with app[appkeys.STORE].read() as connection:
        rows = (await connection.exec_driver_sql("SELECT last_error FROM deliveries")).all() + (
            await connection.exec_driver_sql("SELECT error_message FROM attempts")
        ).all()
    stored = " ".join(str(row[0]) for row in rows)
    assert "maria.papadopoulou@" not in stored and "090165560" not in stored
