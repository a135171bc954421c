"""The taxis plugin in a running gateway against the RgWsPublic2 mock as a real server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from mocks.taxis import (
    BAKERY_SECONDARY,
    CAFE,
    CLOSED_TAVERN,
    ERROR_AFMS,
    NEWER_SCHEMA_CAFE,
    SOFTWARE,
    STOPPED_CAFE,
    WAREHOUSE,
    FakeRgWsPublic2,
    afm_with_check,
)
from tests.support.events import example
from tests.support.settings import FAST_RETRY, PORTAL_TOKEN, build_settings

DAILY_LIMIT = next(
    afm for afm, code in ERROR_AFMS.items() if code == "MAX_DAILY_USERNAME_CALLS_EXCEEDED"
)
WRONG_AFM = next(afm for afm, code in ERROR_AFMS.items() if code == "WRONG_AFM")
ROUTES = [
    {"type": "request.submitted", "match": {"request_type": "fee_exemption"}, "plugins": ["taxis"]},
    {"type": "business.checked", "plugins": ["webhook"]},
]


@pytest.fixture
async def registry():  # type: ignore[no-untyped-def]
    mock = FakeRgWsPublic2()
    await mock.start()
    yield mock
    await mock.stop()


def taxis_section(registry: FakeRgWsPublic2, **changes: Any) -> dict[str, Any]:
    return {
        "url": registry.endpoint,
        "username": registry.username,
        "password": registry.password,
        "affected_kad": ["56.30", "56.10", "05.20"],
        "affected_kad_version": "test-1",
        "retry": FAST_RETRY,
        **changes,
    }


@pytest.fixture
async def portal(start_gateway, database_url, registry, receiver):  # type: ignore[no-untyped-def]
    plugins = {"taxis": taxis_section(registry), "webhook": {"url": receiver.url + "/events"}}
    client, _app = await start_gateway(build_settings(database_url, plugins, ROUTES))
    return client


def fee_exemption(afm: str) -> dict[str, Any]:
    return example("request.submitted", data={"business": {"afm": afm}})


async def lookup(portal, afm: str):  # type: ignore[no-untyped-def]
    return await portal.client.get(
        f"{portal.base_url}/v1/lookups/business/{afm}",
        headers={"Authorization": f"Bearer {PORTAL_TOKEN}"},
    )


@pytest.mark.parametrize(
    ("afm", "eligible"),
    [
        (CAFE.afm, True),
        (WAREHOUSE.afm, True),
        (SOFTWARE.afm, False),
        (BAKERY_SECONDARY.afm, False),
        (CLOSED_TAVERN.afm, False),
        (STOPPED_CAFE.afm, False),  # active ΑΦΜ, but a stop_date and ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ
        (NEWER_SCHEMA_CAFE.afm, True),  # answered with elements the WSDL does not name
    ],
)
async def test_fee_exemption_gets_its_verdict(portal, receiver, afm: str, eligible: bool) -> None:  # type: ignore[no-untyped-def]
    event = fee_exemption(afm)
    assert (await portal.post_event(event)).json()["deliveries"] == ["taxis"]
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded"
    result = delivery["result"]
    assert (result["afm"], result["eligible"], result["rule"]) == (
        afm,
        eligible,
        "affected-kad test-1",
    )
    assert all(len(k["code"]) == 8 for k in result["kad"])
    derived = await portal.wait_settled(delivery["emitted"][0])
    assert derived["type"] == "business.checked" and derived["status"] == "delivered"
    sent = receiver.received[f"{delivery['emitted'][0]}:webhook"]["event"]["data"]
    assert {k: sent[k] for k in result} == result
    assert (
        sent["request_id"] == event["data"]["request_id"]
        and sent["citizen"] == event["data"]["citizen"]
    )


async def test_lookup_has_the_same_shape_and_is_cached(portal, registry) -> None:  # type: ignore[no-untyped-def]
    event = fee_exemption(CAFE.afm)
    await portal.post_event(event)
    delivered = (await portal.wait_settled(event["id"]))["deliveries"][0]["result"]
    first = await lookup(portal, CAFE.afm)
    assert first.status_code == 200 and first.json() == delivered
    from tests.gateway.test_openapi import _validator

    _validator("BusinessCheck").validate(first.json())
    assert registry.calls_by_afm[CAFE.afm] == 1  # the look-up reused the delivery's answer
    await lookup(portal, CAFE.afm)
    assert registry.calls_by_afm[CAFE.afm] == 1


async def test_concurrent_lookups_of_one_afm_make_one_call(portal, registry) -> None:  # type: ignore[no-untyped-def]
    registry.set_faults(latency_ms=200)
    answers = await asyncio.gather(*(lookup(portal, WAREHOUSE.afm) for _ in range(10)))
    assert {a.status_code for a in answers} == {200}
    assert registry.calls_by_afm[WAREHOUSE.afm] == 1


@pytest.mark.parametrize(
    ("afm", "status", "kind"),
    [
        ("123456781", 422, "invalid-input"),
        (WRONG_AFM, 422, "invalid-input"),
        (afm_with_check("70000000"), 404, "not-found"),
        (DAILY_LIMIT, 503, "throttled"),
    ],
)
async def test_lookup_errors(portal, registry, afm: str, status: int, kind: str) -> None:  # type: ignore[no-untyped-def]
    answer = await lookup(portal, afm)
    assert answer.status_code == status and answer.json()["type"] == f"/problems/{kind}"
    if kind == "throttled":
        assert int(answer.headers["Retry-After"]) > 60
    if afm == "123456781":
        assert registry.calls_by_afm == {}  # never sent: it would be notified and counted


@pytest.mark.parametrize("fault", [{"outage": True}, {"error_rate": 1.0}])
async def test_lookup_when_the_service_is_down(portal, registry, fault: dict) -> None:  # type: ignore[no-untyped-def]
    registry.set_faults(**fault)
    answer = await lookup(portal, CAFE.afm)
    assert answer.status_code == 502 and answer.json()["type"] == "/problems/backend-unavailable"


async def test_outage_is_retried_until_the_service_is_back(portal, registry) -> None:  # type: ignore[no-untyped-def]
    registry.set_faults(error_rate=1.0)
    event = fee_exemption(CAFE.afm)
    await portal.post_event(event)
    for _ in range(200):
        if registry.requests:
            break
        await asyncio.sleep(0.05)
    assert registry.requests, "the delivery should have reached the (failing) service"
    registry.set_faults()
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded"
    assert "SOAP Fault" in delivery["history"][0]["error"]


async def test_daily_limit_makes_deliveries_wait_until_tomorrow(portal) -> None:  # type: ignore[no-untyped-def]
    event = fee_exemption(DAILY_LIMIT)
    await portal.post_event(event)
    for _ in range(100):
        view = (await portal.get(f"/v1/events/{event['id']}")).json()
        if view["deliveries"][0]["last_error_kind"] == "throttled":
            break
        await asyncio.sleep(0.05)
    delivery = view["deliveries"][0]
    assert delivery["state"] == "pending" and delivery["last_error_kind"] == "throttled"
    wait = datetime.fromisoformat(
        delivery["next_attempt_at"].replace("Z", "+00:00")
    ) - datetime.now(UTC)
    assert wait.total_seconds() > 60
    health = (await portal.get("/v1/health")).json()
    assert health["plugins"]["taxis"]["breaker"]["state"] == "open"


async def test_wrong_credentials_are_a_configuration_error(
    start_gateway, sqlite_url, registry
) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(
        sqlite_url, {"taxis": taxis_section(registry, password="wrong")}, ROUTES[:1]
    )
    portal, _ = await start_gateway(settings)
    event = fee_exemption(CAFE.afm)
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert (delivery["state"], delivery["last_error_kind"]) == ("dead", "configuration")
    assert "TOKEN_USERNAME_NOT_AUTHENTICATED" in delivery["last_error"]
    health = (await portal.get("/v1/health")).json()
    assert health["status"] == "degraded"
    assert "TOKEN_USERNAME_NOT_AUTHENTICATED" in health["plugins"]["taxis"]["detail"]
    assert (await portal.client.get(f"{portal.base_url}/readyz")).status_code == 200


async def test_a_business_that_stopped_trading_is_not_eligible_with_its_reason(portal) -> None:  # type: ignore[no-untyped-def]
    answer = await lookup(portal, STOPPED_CAFE.afm)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["verdict"], body["eligible"]) == ("not_eligible", False)
    assert body["reason_codes"] == [{"code": "STOPPED_BEFORE_PERIOD", "stop_date": "2024-06-30"}]
    assert "stopped trading on 2024-06-30" in body["reasons"][0]
