"""/metrics answers "is it healthy?" per plugin, and every name follows Prometheus's conventions."""

from __future__ import annotations

import asyncio
import re

from prometheus_client.parser import text_string_to_metric_families

from gateway.errors import OutcomeUnknownError, PermanentError
from gateway.plugin_api import DeliveryResult, Event
from gateway.plugins import PluginHost
from tests.support.events import example
from tests.support.plugins import ScriptedPlugin
from tests.support.settings import OPERATOR_TOKEN, build_settings

UNITS = ("_seconds", "_bytes", "_total", "_size", "_info")
ROUTES = [{"type": "request.submitted", "plugins": ["fine", "refusing", "unsure", "waiting"]}]


async def fine(_event: Event) -> DeliveryResult:
    return DeliveryResult(result={"ok": True})


async def refusing(_event: Event) -> DeliveryResult:
    raise PermanentError("the backend said no")


async def unsure(_event: Event) -> DeliveryResult:
    raise OutcomeUnknownError("the backend took it and said nothing")


async def metrics_of(portal) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:  # type: ignore[no-untyped-def]
    text = (await portal.client.get(f"{portal.base_url}/metrics")).text
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_each_plugin_says_what_waits_since_when_and_what_needs_a_person(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    plugins = {
        "fine": ScriptedPlugin(fine),
        "refusing": ScriptedPlugin(refusing),
        "unsure": ScriptedPlugin(unsure),
        "waiting": ScriptedPlugin(fine),
    }
    host = PluginHost(extra=plugins)
    settings = build_settings(sqlite_url, {name: {} for name in plugins}, ROUTES, host=host)
    portal, _app = await start_gateway(settings, PluginHost(extra=plugins))
    paused = await portal.client.post(
        f"{portal.base_url}/v1/plugins/waiting/pause",
        json={"reason": "so that something waits"},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    assert paused.status_code == 200
    event = example("request.submitted")
    assert (await portal.post_event(event)).status_code == 202
    assert (await portal.post_event({**event, "id": "evt-bad", "data": {}})).status_code == 422
    for _ in range(100):
        view = (await portal.get(f"/v1/events/{event['id']}")).json()
        states = {d["plugin"]: d["state"] for d in view["deliveries"]}
        if states["refusing"] == "dead" and states["unsure"] == "dead":
            break
        await asyncio.sleep(0.05)
    found = await metrics_of(portal)

    def value(name: str, **labels: str) -> float:
        return found[name][tuple(sorted(labels.items()))]

    assert value("gateway_pending_deliveries", plugin="waiting") == 1
    assert value("gateway_oldest_pending_age_seconds", plugin="waiting") > 0
    assert value("gateway_oldest_pending_age_seconds", plugin="fine") == 0
    assert value("gateway_dead_letters", plugin="refusing") == 1
    assert value("gateway_dead_letters", plugin="unsure") == 0
    assert value("gateway_in_doubt_deliveries", plugin="unsure") == 1
    assert value("gateway_plugin_paused", plugin="waiting") == 1
    assert value("gateway_breaker_state", plugin="fine") == 0
    assert value("gateway_delivery_attempts_total", plugin="refusing", outcome="permanent") == 1
    assert value("gateway_events_accepted_total", type="request.submitted") == 1
    assert value("gateway_events_rejected_total", status="422", reason="schema-violation") == 1
    assert value("gateway_intake_request_duration_seconds_count") == 2
    assert value("gateway_attempt_duration_seconds_count", plugin="fine") == 1


async def test_every_metric_name_follows_prometheus_conventions(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    plugins = {"fine": ScriptedPlugin(fine)}
    host = PluginHost(extra=plugins)
    settings = build_settings(
        sqlite_url, {"fine": {}}, [ROUTES[0] | {"plugins": ["fine"]}], host=host
    )
    portal, _app = await start_gateway(settings, PluginHost(extra=plugins))
    await portal.post_event(example("request.submitted"))
    text = (await portal.client.get(f"{portal.base_url}/metrics")).text
    families = list(text_string_to_metric_families(text))
    assert families, "no metrics"
    for family in families:
        name = family.name
        if name.endswith("_created"):
            continue  # the client's own creation timestamps of counters and histograms
        assert re.fullmatch("gateway_[a-z][a-z0-9_]*", name) or name.startswith(
            ("python_", "process_")
        ), name
        assert not re.search(r"_(ms|milliseconds|minutes|hours|percent)$", name), name
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples), name
        if family.type == "histogram":
            assert name.endswith(UNITS), f"{name}: a histogram names its unit"
        if family.type == "gauge":
            assert not name.endswith("_total"), f"{name}: _total is for counters"
        if "duration" in name or "age" in name:
            assert name.endswith("_seconds"), f"{name}: times are in seconds"
