"""Issue 14, points 4 and 5 over HTTP: bulk repair counted first, pause and resume."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import appkeys
from gateway.store import bulk
from tests.support.events import example
from tests.support.settings import FAST_RETRY, build_settings


@pytest.fixture
async def gateway(start_gateway, database_url, receiver):  # type: ignore[no-untyped-def]
    settings = build_settings(
        database_url,
        {"webhook": {"url": receiver.url + "/events", "retry": FAST_RETRY}},
        [{"type": "request.submitted", "plugins": ["webhook"]}],
    )
    return await start_gateway(settings)


async def _post(portal, path: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {portal.token}"}
    return await portal.client.post(f"{portal.base_url}{path}", json=body, headers=headers)


async def _dead_letters(portal, receiver, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    receiver.set_faults(error_rate=1.0, error_status=422)  # refused for good
    ids = []
    for _ in range(count):
        event = example("request.submitted")
        await portal.post_event(event)
        ids.append(event["id"])
    for event_id in ids:
        assert (await portal.wait_settled(event_id))["status"] == "dead"
    receiver.set_faults()
    return ids


async def test_bulk_replay_counts_first_refuses_a_changed_count_then_acts(
    gateway, receiver
) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    ids = await _dead_letters(portal, receiver, 3)
    dry = await _post(portal, "/v1/dead-letters/replay", {"plugin": "webhook"})
    assert dry.status_code == 200 and dry.json() == {
        "action": "replay",
        "dry_run": True,
        "count": 3,
    }
    stale = await _post(portal, "/v1/dead-letters/replay", {"plugin": "webhook", "expect_count": 2})
    assert stale.status_code == 409 and stale.json()["count"] == 3
    done = await _post(portal, "/v1/dead-letters/replay", {"plugin": "webhook", "expect_count": 3})
    assert done.status_code == 202 and done.json()["plugins"] == ["webhook"]
    for event_id in ids:
        assert (await portal.wait_settled(event_id))["status"] == "delivered"


async def test_bulk_dismiss_needs_a_reason_and_closes_the_events(gateway, receiver) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    ids = await _dead_letters(portal, receiver, 2)
    no_reason = await _post(portal, "/v1/dead-letters/dismiss", {"expect_count": 2})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["path"] == "$.reason"
    done = await _post(
        portal, "/v1/dead-letters/dismiss", {"expect_count": 2, "reason": "duplicates of REQ-7"}
    )
    assert done.status_code == 200 and done.json()["count"] == 2
    assert (await portal.get(f"/v1/events/{ids[0]}")).json()["status"] == "closed"
    assert (await portal.get("/v1/dead-letters")).json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"colour": "red"},
        {"expect_count": -1},
        {"expect_count": "3"},
        {"expect_count": bulk.MAX_BULK + 1},
        {"since": "yesterday"},
        {"since": "2026-12-01T00:00:00"},
        {"plugin": ""},
        {"error_contains": "a\nb"},
    ],
)
async def test_bad_filters_are_named(gateway, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    answer = await _post(portal, "/v1/dead-letters/replay", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["path"].startswith("$")


async def test_pause_holds_deliveries_and_resume_sends_them(gateway, receiver) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    missing = await _post(portal, "/v1/plugins/webhook/pause", {})
    assert missing.status_code == 422
    assert (await _post(portal, "/v1/plugins/nosuch/pause", {"reason": "x"})).status_code == 404
    paused = await _post(portal, "/v1/plugins/webhook/pause", {"reason": "receiver upgrade"})
    assert paused.json() == {"plugin": "webhook", "paused": True, "already_paused": False}
    again = await _post(portal, "/v1/plugins/webhook/pause", {"reason": "again"})
    assert again.json()["already_paused"] is True
    event = example("request.submitted")
    assert (await portal.post_event(event)).status_code == 202
    health = (await portal.get("/v1/health")).json()["plugins"]["webhook"]
    assert health["paused"]["reason"] == "receiver upgrade"
    metrics = (await portal.client.get(f"{portal.base_url}/metrics")).text
    assert 'gateway_plugin_paused{plugin="webhook"} 1.0' in metrics
    view = await portal.wait_settled(event["id"], within=1.0)
    assert view["status"] == "pending" and receiver.requests == []
    resumed = await _post(portal, "/v1/plugins/webhook/resume", {})
    assert resumed.json() == {"plugin": "webhook", "paused": False, "was_paused": True}
    assert (await portal.wait_settled(event["id"]))["status"] == "delivered"
    assert app[appkeys.DISPATCHER].breakers()["webhook"]["state"] == "closed"
