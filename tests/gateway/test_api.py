"""Operator and portal reads: auth, look-ups, readiness, metrics, bad query parameters."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from gateway.errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
    TransientError,
)
from gateway.plugin_api import Health
from gateway.plugins import PluginHost
from tests.support.events import example
from tests.support.plugins import ScriptedPlugin
from tests.support.settings import OPERATOR_TOKEN, PORTAL_TOKEN, build_settings


async def business(key: str, query: Mapping[str, str]) -> dict:
    failures = {
        "422": InvalidInputError("WRONG_AFM: the ΑΦΜ is not valid", code="WRONG_AFM"),
        "404": NotFoundError("TAXPAYER_NF", code="TAXPAYER_NF"),
        "limit": ThrottledError("daily limit", retry_after=3600),
        "creds": ConfigurationError("TOKEN_USERNAME_NOT_AUTHENTICATED"),
        "down": TransientError("SOAP Fault"),
        "timeout": TimeoutError(),
    }
    if key in failures:
        raise failures[key]
    return {"afm": key, "query": dict(query)}


@pytest.fixture
async def portal(start_gateway, sqlite_url):  # type: ignore[no-untyped-def]
    host = PluginHost(
        extra={
            "lookups": ScriptedPlugin(lookups={"business": business}),
            "sick": ScriptedPlugin(health=Health(False, "backend says no")),
        }
    )
    settings = build_settings(
        sqlite_url,
        {"lookups": {}, "sick": {}},
        [{"type": "request.submitted", "plugins": ["lookups"]}],
        host=host,
    )
    client, _app = await start_gateway(settings, host)
    return client


async def _get(portal, path: str, token: str | None, **params):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await portal.client.get(
        f"{portal.base_url}{path}", headers=headers, params=params or None
    )


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [
        ("/v1/events/x", None, 401),
        ("/v1/events/x", "wrong-token-0123456789", 401),
        ("/v1/events/x", PORTAL_TOKEN, 404),
        ("/v1/events", PORTAL_TOKEN, 403),
        ("/v1/events", OPERATOR_TOKEN, 200),
        ("/v1/dead-letters", PORTAL_TOKEN, 403),
        ("/v1/dead-letters", OPERATOR_TOKEN, 200),
        ("/v1/lookups/business/094259216", None, 401),
        ("/v1/lookups/business/094259216", PORTAL_TOKEN, 200),
        ("/healthz", None, 200),
        ("/metrics", None, 200),
    ],
)
async def test_who_may_read_what(portal, path: str, token: str | None, status: int) -> None:  # type: ignore[no-untyped-def]
    response = await _get(portal, path, token)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["Content-Type"].startswith("application/problem+json")


async def test_replay_needs_an_operator(portal) -> None:  # type: ignore[no-untyped-def]
    url = f"{portal.base_url}/v1/events/x/replay"
    assert (
        await portal.client.post(url, headers={"Authorization": f"Bearer {PORTAL_TOKEN}"})
    ).status_code == 403
    assert (
        await portal.client.post(url, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    ).status_code == 404


@pytest.mark.parametrize(
    ("key", "status", "slug"),
    [
        ("422", 422, "invalid-input"),
        ("404", 404, "not-found"),
        ("limit", 503, "throttled"),
        ("creds", 503, "backend-misconfigured"),
        ("down", 502, "backend-unavailable"),
        ("timeout", 502, "backend-unavailable"),
    ],
)
async def test_lookup_errors_map_to_http(portal, key: str, status: int, slug: str) -> None:  # type: ignore[no-untyped-def]
    response = await _get(portal, f"/v1/lookups/business/{key}", PORTAL_TOKEN)
    assert response.status_code == status
    body = response.json()
    assert body["type"] == f"/problems/{slug}" and body["plugin"] == "lookups"
    if key == "limit":
        assert response.headers["Retry-After"] == "3601"


async def test_lookup_answers_and_unknown_lookup(portal) -> None:  # type: ignore[no-untyped-def]
    ok = await _get(portal, "/v1/lookups/business/094259216", PORTAL_TOKEN, category="TAP")
    assert ok.json() == {"afm": "094259216", "query": {"category": "TAP"}}
    missing = await _get(portal, "/v1/lookups/nothing/1", PORTAL_TOKEN)
    assert missing.status_code == 404 and "no look-up named 'nothing'" in missing.json()["detail"]


async def test_readyz_is_ready_with_a_backend_down(portal) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: intake works while a backend is down, so a load balancer keeps sending events."""
    response = await _get(portal, "/readyz", None)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "status": "ready",
        "database": {"ok": True, "detail": "writable"},
        "config": "loaded",
    }


async def test_backend_health_is_in_v1_health_and_the_metrics(portal) -> None:  # type: ignore[no-untyped-def]
    body = (await _get(portal, "/v1/health", OPERATOR_TOKEN)).json()
    assert body["status"] == "degraded"
    assert body["plugins"]["sick"] == {
        "ok": False,
        "detail": "backend says no",
        "breaker": {"state": "closed", "reason": "", "retry_in": 0.0},
        "paused": None,
    }
    assert body["plugins"]["lookups"]["ok"] is True
    metrics = (await _get(portal, "/metrics", None)).text
    assert 'gateway_backend_up{plugin="sick"} 0.0' in metrics
    assert 'gateway_backend_up{plugin="lookups"} 1.0' in metrics


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"status": "lost"}, "query.status"),
        ({"limit": "0"}, "query.limit"),
        ({"limit": "many"}, "query.limit"),
        ({"cursor": "!!!"}, "query.cursor"),
        ({"cursor": "czEyYQ"}, "query.cursor"),
    ],
)
async def test_bad_query_parameters(portal, params: dict, path: str) -> None:  # type: ignore[no-untyped-def]
    response = await _get(portal, "/v1/events", OPERATOR_TOKEN, **params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path


@pytest.mark.parametrize("limit", ["0", "1001", "ten", "-5"])
async def test_bad_dead_letter_limit(portal, limit: str) -> None:  # type: ignore[no-untyped-def]
    response = await _get(portal, "/v1/dead-letters", OPERATOR_TOKEN, limit=limit)
    assert response.status_code == 400 and response.json()["errors"][0]["path"] == "query.limit"


async def test_metrics_count_what_happened(portal) -> None:  # type: ignore[no-untyped-def]
    event = example("request.submitted")
    await portal.post_event(event)
    await portal.post_event({**event, "data": {}})
    await portal.wait_settled(event["id"])
    text = (await _get(portal, "/metrics", None)).text
    assert 'gateway_events_accepted_total{type="request.submitted"} 1.0' in text
    assert 'gateway_events_rejected_total{reason="schema-violation",status="422"} 1.0' in text
    assert 'gateway_delivery_attempts_total{outcome="succeeded",plugin="lookups"} 1.0' in text
    assert 'gateway_deliveries{plugin="lookups",state="succeeded"} 1.0' in text
    assert "gateway_attempt_duration_seconds_bucket" in text
    assert 'gateway_breaker_state{plugin="lookups"} 0.0' in text


async def test_plugin_health_is_for_operators_and_answers_200_when_degraded(portal) -> None:  # type: ignore[no-untyped-def]
    answer = await portal.get("/v1/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["plugins"]["sick"] == {
        "ok": False,
        "detail": "backend says no",
        "breaker": body["plugins"]["sick"]["breaker"],
        "paused": None,
    }
    refused = await portal.client.get(
        f"{portal.base_url}/v1/health", headers={"Authorization": f"Bearer {PORTAL_TOKEN}"}
    )
    assert refused.status_code == 403
    anonymous = await portal.client.get(f"{portal.base_url}/v1/health")
    assert anonymous.status_code == 401
