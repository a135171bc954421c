"""The mock framework as a real server: recording, faults, admin surface, bad admin input."""

from __future__ import annotations

import httpx
import pytest

from mocks.base import Faults
from mocks.webhook import WebhookReceiver


@pytest.fixture
async def mock():  # type: ignore[no-untyped-def]
    receiver = WebhookReceiver()
    await receiver.start()
    async with httpx.AsyncClient(base_url=receiver.url) as client:
        yield receiver, client
    await receiver.stop()


def _post(client: httpx.AsyncClient, key: str = "k1"):  # type: ignore[no-untyped-def]
    return client.post("/events", json={"id": "e1"}, headers={"Idempotency-Key": key})


async def test_records_requests_and_state(mock) -> None:  # type: ignore[no-untyped-def]
    _receiver, client = mock
    assert (await _post(client)).status_code == 201
    assert (await _post(client)).json()["duplicate"] is True
    requests = (await client.get("/_mock/requests")).json()
    assert [(r["method"], r["path"], r["answered"]) for r in requests] == [
        ("POST", "/events", 201),
        ("POST", "/events", 200),
    ]
    assert requests[0]["headers"]["Idempotency-Key"] == "k1"
    assert (await client.get("/_mock/state")).json()["times_seen"] == {"k1": 2}


async def test_fail_next_and_error_rate(mock) -> None:  # type: ignore[no-untyped-def]
    receiver, client = mock
    assert (await client.post("/_mock/faults", json={"fail_next": 2})).status_code == 200
    assert [(await _post(client, f"k{i}")).status_code for i in range(3)] == [503, 503, 201]
    await client.post("/_mock/faults", json={"error_rate": 0.5, "seed": 7})
    codes = [(await _post(client, f"r{i}")).status_code for i in range(200)]
    assert 60 < codes.count(503) < 140
    assert receiver.received.keys() >= {f"r{i}" for i, c in enumerate(codes) if c != 503}


async def test_error_after_does_the_work_then_fails(mock) -> None:  # type: ignore[no-untyped-def]
    receiver, client = mock
    await client.post(
        "/_mock/faults", json={"fail_next": 1, "error_phase": "after", "error_status": 500}
    )
    assert (await _post(client)).status_code == 500
    assert "k1" in receiver.received  # the backend did it; only the answer was lost
    assert receiver.requests[-1].fault == "error-after"


async def test_latency_and_outage(mock) -> None:  # type: ignore[no-untyped-def]
    receiver, client = mock
    await client.post("/_mock/faults", json={"latency_ms": 300})
    with pytest.raises(httpx.ReadTimeout):
        await client.post(
            "/events", json={"id": "e"}, headers={"Idempotency-Key": "slow"}, timeout=0.1
        )
    await client.post("/_mock/faults", json={"outage": True})
    with pytest.raises(httpx.RemoteProtocolError):
        await _post(client, "down")
    assert "down" not in receiver.received
    assert (await client.get("/_mock/faults")).json()["outage"] is True  # admin still answers


async def test_throttle_answer(mock) -> None:  # type: ignore[no-untyped-def]
    _receiver, client = mock
    await client.post(
        "/_mock/faults", json={"fail_next": 1, "error_status": 429, "retry_after": 30}
    )
    answer = await _post(client)
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "30")


async def test_reset_forgets_everything(mock) -> None:  # type: ignore[no-untyped-def]
    receiver, client = mock
    await _post(client)
    await client.post("/_mock/faults", json={"error_rate": 1})
    assert (await client.post("/_mock/reset")).json() == {"reset": True}
    assert receiver.requests == [] and receiver.received == {} and receiver.faults == Faults()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error_rate": 2}, "error_rate"),
        ({"fail_next": -1}, "fail_next"),
        ({"latency_ms": "slow"}, "latency_ms"),
        ({"outage": "yes"}, "outage"),
        ({"error_phase": "during"}, "error_phase"),
        ({"error_status": 200}, "error_status"),
        ({"retry_after": -5}, "retry_after"),
        ({"colour": "red"}, "unknown field"),
        ([1, 2], "JSON object"),
    ],
)
async def test_bad_fault_requests_are_refused(mock, body, message: str) -> None:  # type: ignore[no-untyped-def]
    _receiver, client = mock
    answer = await client.post("/_mock/faults", json=body)
    assert answer.status_code == 400 and message in answer.json()["error"]
    malformed = await client.post(
        "/_mock/faults", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400


async def test_receiver_refuses_bad_deliveries(mock) -> None:  # type: ignore[no-untyped-def]
    _receiver, client = mock
    assert (await client.post("/events", json={"id": "e"})).status_code == 400  # no Idempotency-Key
    assert (
        await client.post("/events", content=b"nope", headers={"Idempotency-Key": "k"})
    ).status_code == 400
    assert (
        await client.post("/events", json=[1], headers={"Idempotency-Key": "k"})
    ).status_code == 422


async def test_latency_after_does_the_work_then_holds_the_answer(mock) -> None:  # type: ignore[no-untyped-def]
    receiver, client = mock
    await client.post("/_mock/faults", json={"latency_ms": 2000, "latency_phase": "after"})
    with pytest.raises(httpx.ReadTimeout):
        await client.post(
            "/events", json={"id": "e1"}, headers={"Idempotency-Key": "held"}, timeout=0.3
        )
    assert "held" in receiver.received  # the work was done; only the answer waits


async def test_only_path_limits_faults_to_one_path(mock) -> None:  # type: ignore[no-untyped-def]
    _receiver, client = mock
    await client.post("/_mock/faults", json={"fail_next": 1, "only_path": "/other"})
    assert (await _post(client)).status_code == 201
    assert (await client.get("/_mock/faults")).json()["fail_next"] == 1
    await client.post("/_mock/faults", json={"fail_next": 1, "only_path": "/events"})
    assert (await _post(client, "k2")).status_code == 503


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"latency_phase": "during"}, "latency_phase"),
        ({"only_path": "events"}, "only_path"),
        ({"only_path": 3}, "only_path"),
    ],
)
async def test_bad_new_fault_fields(mock, faults, message) -> None:  # type: ignore[no-untyped-def]
    _receiver, client = mock
    answer = await client.post("/_mock/faults", json=faults)
    assert answer.status_code == 400 and message in answer.json()["error"]
