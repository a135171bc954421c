"""The core's outcome_unknown: a plugin that cannot tell stops the delivery; operators settle it."""

from __future__ import annotations

from typing import Any

from gateway.errors import OutcomeUnknownError
from gateway.plugin_api import DeliveryResult, Event
from gateway.plugins import PluginHost
from tests.support.events import example
from tests.support.plugins import ScriptedPlugin
from tests.support.settings import FAST_RETRY, OPERATOR_TOKEN, build_settings

ROUTES = [{"type": "request.submitted", "plugins": ["unsure"]}]


async def never_sure(_event: Event) -> DeliveryResult:
    raise OutcomeUnknownError("the backend took it and said nothing")


async def gateway(start_gateway, url: str, plugin: Any):  # type: ignore[no-untyped-def]
    settings = build_settings(
        url, {"unsure": {"retry": FAST_RETRY}}, ROUTES, host=PluginHost(extra={"unsure": plugin})
    )
    portal, _app = await start_gateway(settings, PluginHost(extra={"unsure": plugin}))
    return portal


def post(portal, path: str, body: Any = None):  # type: ignore[no-untyped-def]
    return portal.client.post(
        f"{portal.base_url}{path}", json=body, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    )


async def test_outcome_unknown_is_dead_at_once_and_not_replayed(
    start_gateway, database_url
) -> None:  # type: ignore[no-untyped-def]
    plugin = ScriptedPlugin(never_sure)
    portal = await gateway(start_gateway, database_url, plugin)
    event = example("request.submitted")
    await portal.post_event(event)
    view = await portal.wait_settled(event["id"])
    (delivery,) = view["deliveries"]
    assert (delivery["state"], delivery["attempts"], delivery["last_error_kind"]) == (
        "dead",
        1,
        "outcome_unknown",
    )
    assert delivery["last_error"].startswith(
        "the backend took it and said nothing — not sent again"
    )
    assert (await post(portal, f"/v1/events/{event['id']}/replay")).json()["replayed"] == []
    assert len(plugin.connector.calls) == 1


async def test_a_plugin_without_settle_by_hand_cannot_be_confirmed(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    portal = await gateway(start_gateway, sqlite_url, ScriptedPlugin(never_sure))
    event = example("request.submitted")
    await portal.post_event(event)
    await portal.wait_settled(event["id"])
    confirm = await post(
        portal, f"/v1/events/{event['id']}/deliveries/unsure/confirm", {"x": 1, "reason": "seen"}
    )
    assert confirm.status_code == 409 and "cannot be settled by hand" in confirm.json()["detail"]
    release = await post(
        portal, f"/v1/events/{event['id']}/deliveries/unsure/release", {"reason": "not there"}
    )
    assert release.status_code == 409
    no_reason = await post(portal, f"/v1/events/{event['id']}/deliveries/unsure/release", {})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["path"] == "$.reason"
    missing = await post(portal, "/v1/events/nope/deliveries/unsure/release", {"reason": "x"})
    assert missing.status_code == 404 and missing.json()["type"] == "/problems/not-found"
    unauthenticated = await portal.client.post(
        f"{portal.base_url}/v1/events/{event['id']}/deliveries/unsure/release"
    )
    assert unauthenticated.status_code == 401


async def test_settling_a_delivery_that_is_not_in_doubt_is_a_conflict(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    portal = await gateway(start_gateway, sqlite_url, ScriptedPlugin())
    event = example("request.submitted")
    await portal.post_event(event)
    await portal.wait_settled(event["id"])
    answer = await post(
        portal, f"/v1/events/{event['id']}/deliveries/unsure/confirm", {"reason": "seen"}
    )
    assert answer.status_code == 409
    assert "is succeeded, not waiting for an operator" in answer.json()["detail"]
