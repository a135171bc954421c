"""The protocol plugin in a running gateway against both registry mocks as real servers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mocks.irida import FakeIrida
from plugins.protocol.settings import DEFAULT_DEPARTMENTS
from tests.plugins.protocol.support import make_mock, registrations, section, total_registrations
from tests.support.events import example
from tests.support.settings import FAST_RETRY, OPERATOR_TOKEN, build_settings

ROUTES = [
    {"type": "request.submitted", "plugins": ["protocol"]},
    {"type": "request.registered", "plugins": ["webhook"]},
]
REQUEST_TYPES = DEFAULT_DEPARTMENTS
SEND_PATHS = {"rest": "/api/v1/documents", "irida": "/iris/api/v2/external/innerPositions"}


@pytest.fixture(params=["rest", "irida"])
async def registry(request):  # type: ignore[no-untyped-def]
    mock = make_mock(request.param)
    await mock.start()
    yield request.param, mock
    await mock.stop()


async def gateway(start_gateway, database_url, registry, receiver, **changes: Any):  # type: ignore[no-untyped-def]
    driver, mock = registry
    plugins = {
        "protocol": section(driver, mock, **changes),
        "webhook": {"url": receiver.url + "/events"},
    }
    client, _app = await start_gateway(build_settings(database_url, plugins, ROUTES))
    return client


def submitted(request_type: str = "civil_registry_certificate", **data: Any) -> dict[str, Any]:
    extra: dict[str, Any] = {"request_type": request_type, **data}
    event = example("request.submitted", data=extra)
    if request_type != "fee_exemption":
        event["data"].pop("business", None)
    if request_type == "everyday_report":
        event["data"]["report"] = {"category": "street_lighting", "location": "Οδός Μεραρχίας 12"}
    return event


async def test_every_request_type_is_registered_once_and_announced(
    start_gateway, database_url, registry, receiver
) -> None:  # type: ignore[no-untyped-def]
    driver, mock = registry
    portal = await gateway(start_gateway, database_url, registry, receiver)
    events = [submitted(kind) for kind in REQUEST_TYPES]
    for event in events:
        assert (await portal.post_event(event)).status_code == 202
    numbers = set()
    for event in events:
        (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
        assert delivery["state"] == "succeeded", delivery
        result = delivery["result"]
        assert set(result) == {"request_id", "protocol_number", "protocol_date", "registry"}
        assert result["request_id"] == event["data"]["request_id"]
        assert result["registry"] == ("irida" if driver == "irida" else "e-protocol")
        numbers.add(result["protocol_number"])
        registered = await portal.wait_settled(delivery["emitted"][0])
        assert registered["type"] == "request.registered" and registered["status"] == "delivered"
        assert registered["data"]["protocol_number"] == result["protocol_number"]
        # staff read payloads masked; revealed (and audited), the citizen is carried over whole
        revealed = (await portal.get(f"/v1/events/{delivery['emitted'][0]}", reveal="true")).json()
        assert revealed["data"]["citizen"] == event["data"]["citizen"]
        assert registered["data"]["citizen"]["afm"].startswith("******")
        assert registered["subject"] == event["subject"]
        assert registrations(mock, event["id"]) == 1
    assert len(numbers) == len(events) and total_registrations(mock) == len(events)
    departments = (
        [d["department"] for d in mock.documents]
        if isinstance(mock, FakeIrida)
        else [d["department"] for d in mock.documents.values()]  # type: ignore[attr-defined]
    )
    assert sorted(departments) == sorted(REQUEST_TYPES.values())


async def test_replay_and_lost_answers_never_register_twice(
    start_gateway, database_url, registry, receiver
) -> None:  # type: ignore[no-untyped-def]
    driver, mock = registry
    portal = await gateway(start_gateway, database_url, registry, receiver)
    # the registry registers, then the answer is lost (HTTP 503 after the work) twice over
    mock.set_faults(fail_next=2, error_phase="after", only_path=SEND_PATHS[driver])
    event = submitted()
    await portal.post_event(event)
    view = await portal.wait_settled(event["id"])
    (delivery,) = view["deliveries"]
    if driver == "rest":  # the registry deduplicates by reference: sending again is safe
        assert delivery["state"] == "succeeded" and delivery["attempts"] == 3, delivery
    else:  # ΙΡΙΔΑ does not: a clerk decides
        assert (delivery["state"], delivery["last_error_kind"]) == ("dead", "outcome_unknown")
        assert delivery["attempts"] == 1
    assert registrations(mock, event["id"]) == 1
    # the operator replays the (succeeded) event: nothing to do, nothing sent
    replayed = await portal.client.post(
        f"{portal.base_url}/v1/events/{event['id']}/replay",
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
    )
    assert replayed.json()["replayed"] == []
    assert registrations(mock, event["id"]) == 1


async def test_the_registrys_validation_error_is_dead_with_its_words(
    start_gateway, database_url, registry, receiver
) -> None:  # type: ignore[no-untyped-def]
    driver, mock = registry
    portal = await gateway(
        start_gateway, database_url, registry, receiver, departments={"document_order": "Άγνωστο"}
    )
    event = submitted("document_order")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "dead" and delivery["attempts"] == 1
    if driver == "irida":
        # ΙΡΙΔΑ has no such recipient: the set-up is wrong, and /v1/health says so to IT
        # staff (which request type, which name); intake still works, so /readyz is ready
        assert "no inner position named 'Άγνωστο'" in delivery["last_error"]
        assert (await portal.get("/readyz")).status_code == 200
        health = await portal.get("/v1/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        detail = health.json()["plugins"]["protocol"]["detail"]
        assert "document_order: ΙΡΙΔΑ: no inner position named 'Άγνωστο'" in detail
    else:
        assert "HTTP 422: unknown department 'Άγνωστο'" in delivery["last_error"]
    assert total_registrations(mock) == 0


async def test_30_percent_errors_200_requests_each_registered_once(
    start_gateway, database_url, registry, receiver
) -> None:  # type: ignore[no-untyped-def]
    driver, mock = registry
    # every call fails 30% of the time (token, directory and send alike); half the runs fail
    # after the work is done, the answer lost
    retry = {**FAST_RETRY, "max_attempts": 40}
    portal = await gateway(
        start_gateway, database_url, registry, receiver, concurrency=16, retry=retry
    )
    mock.set_faults(error_rate=0.3, seed=7)
    events = [submitted() for _ in range(100)]
    for event in events:
        await portal.post_event(event)
    mock.set_faults(error_rate=0.3, error_phase="after", seed=8)
    more = [submitted() for _ in range(100)]
    for event in more:
        await portal.post_event(event)
    events += more
    views = await asyncio.gather(*(portal.wait_settled(e["id"], within=120) for e in events))
    deliveries = [v["deliveries"][0] for v in views]
    faults = [r.fault for r in mock.requests if r.fault]
    assert len(faults) > 30 and "error-after" in faults and "error-before" in faults
    if driver == "rest":  # deduplicated by reference: every one registered exactly once
        assert [d["state"] for d in deliveries] == ["succeeded"] * 200
        assert [registrations(mock, e["id"]) for e in events] == [1] * 200
        assert total_registrations(mock) == 200
        assert len({d["result"]["protocol_number"] for d in deliveries}) == 200
        return
    # ΙΡΙΔΑ: at most once. A send whose answer was lost (before or after the work: we cannot
    # tell) is in doubt for a clerk, with what to search for; nothing is registered twice.
    counts = [registrations(mock, e["id"]) for e in events]
    assert max(counts) == 1, "an application was registered twice"
    lost = 0
    for event, delivery, count in zip(events, deliveries, counts, strict=True):
        if delivery["state"] == "succeeded":
            assert count == 1
            (document,) = mock.registrations_of(f"[ref:{event['id']}:protocol]")
            assert delivery["result"]["protocol_number"] == document["regNo"]
        else:
            lost += 1
            assert (delivery["state"], delivery["last_error_kind"]) == ("dead", "outcome_unknown")
            assert f"Subject ends with [ref:{event['id']}:protocol]" in delivery["last_error"]
            assert "(Athens)" in delivery["last_error"]
    answered_after_work = sum(
        1 for r in mock.requests if r.fault == "error-after" and r.path == SEND_PATHS["irida"]
    )
    assert lost >= answered_after_work > 0
    assert total_registrations(mock) == sum(counts)


async def test_irida_refusing_our_credentials_shows_in_readyz(
    start_gateway, database_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    mock = FakeIrida()
    await mock.start()
    try:
        portal = await gateway(
            start_gateway, database_url, ("irida", mock), receiver, password="wrong"
        )
        event = submitted()
        await portal.post_event(event)
        (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
        assert (delivery["state"], delivery["last_error_kind"]) == ("dead", "configuration")
        assert "invalid_username_or_password" in delivery["last_error"]
        health = (await portal.get("/v1/health")).json()
        assert health["status"] == "degraded"
        assert "invalid_username_or_password" in health["plugins"]["protocol"]["detail"]
        assert mock.documents == []
    finally:
        await mock.stop()


async def test_an_expired_irida_token_is_renewed(start_gateway, database_url, receiver) -> None:  # type: ignore[no-untyped-def]
    mock = FakeIrida()
    await mock.start()
    try:
        portal = await gateway(start_gateway, database_url, ("irida", mock), receiver)
        first, second = submitted(), submitted()
        await portal.post_event(first)
        assert (await portal.wait_settled(first["id"]))["status"] == "delivered"
        mock.expire_tokens()  # eight hours later
        await portal.post_event(second)
        (delivery,) = (await portal.wait_settled(second["id"]))["deliveries"]
        assert (delivery["state"], delivery["attempts"]) == ("succeeded", 1)
        assert mock.token_requests == 2 and len(mock.documents) == 2
        assert (await portal.get("/v1/health")).json()["plugins"]["protocol"]["ok"] is True
    finally:
        await mock.stop()
