"""The genesis plugin in a running gateway against the GENESIS mock as a real server."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from typing import Any

import pytest

from mocks.genesis import FakeGenesis
from tests.support.events import example
from tests.support.settings import FAST_RETRY, OPERATOR_TOKEN, PORTAL_TOKEN, build_settings

ROUTES = [
    {"type": "payment.completed", "plugins": ["genesis"]},
    {"type": "payment.failed", "plugins": ["genesis"]},
    {"type": "request.submitted", "plugins": ["genesis"]},
    {"type": "payment.recorded", "plugins": ["webhook"]},
]


@pytest.fixture
async def genesis():  # type: ignore[no-untyped-def]
    mock = FakeGenesis()
    await mock.start()
    yield mock
    await mock.stop()


def section(genesis: FakeGenesis, **changes: Any) -> dict[str, Any]:
    return {
        "url": genesis.endpoint,
        "retry": {**FAST_RETRY, "max_attempts": 12},
        "concurrency": 8,
        **changes,
    }


@pytest.fixture
async def portal(start_gateway, database_url, genesis, receiver):  # type: ignore[no-untyped-def]
    plugins = {"genesis": section(genesis), "webhook": {"url": receiver.url + "/events"}}
    client, _app = await start_gateway(build_settings(database_url, plugins, ROUTES))
    return client


def payment(rf: str, amount: str, payment_id: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"rf_code": rf, "amount": amount}
    if payment_id:
        data["payment_id"] = payment_id
    return example("payment.completed", data=data)


async def debts(portal, afm: str, **params: str):  # type: ignore[no-untyped-def]
    return await portal.client.get(
        f"{portal.base_url}/v1/lookups/debts/{afm}",
        params=params or None,
        headers={"Authorization": f"Bearer {PORTAL_TOKEN}"},
    )


async def test_payment_is_recorded_once_and_announced(portal, genesis, receiver) -> None:  # type: ignore[no-untyped-def]
    event = payment("RF18539007547034", "125.40")
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded" and delivery["result"]["amount"] == "125.40"
    receipt = delivery["result"]["receipt_number"]
    recorded = await portal.wait_settled(delivery["emitted"][0])
    assert recorded["type"] == "payment.recorded" and recorded["status"] == "delivered"
    assert (
        receiver.received[f"{delivery['emitted'][0]}:webhook"]["event"]["data"]["receipt_number"]
        == receipt
    )

    # a replay (here: the operator puts the succeeded event's failed twin back) never posts twice
    again = payment("RF18539007547034", "125.40", payment_id=event["data"]["payment_id"])
    await portal.post_event(again)
    (second,) = (await portal.wait_settled(again["id"]))["deliveries"]
    assert second["result"]["receipt_number"] == receipt and second["result"]["duplicate"] is True
    assert len(genesis.receipts) == 1 and genesis.posts == 1
    looked_up = await portal.client.get(
        f"{portal.base_url}/v1/lookups/receipts/{event['data']['payment_id']}",
        headers={"Authorization": f"Bearer {PORTAL_TOKEN}"},
    )
    assert looked_up.json()["receipt_number"] == receipt
    missing = await portal.client.get(
        f"{portal.base_url}/v1/lookups/receipts/NOPE",
        headers={"Authorization": f"Bearer {PORTAL_TOKEN}"},
    )
    assert missing.status_code == 404


async def test_unknown_rf_and_overpayment_are_dead_with_genesis_words(portal) -> None:  # type: ignore[no-untyped-def]
    for rf, amount, code in (
        ("RF4920260000123", "10.00", "UNKNOWN_RF"),
        ("RF18539007547034", "999.00", "AMOUNT_MISMATCH"),
    ):
        event = payment(rf, amount)
        await portal.post_event(event)
        (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
        assert (delivery["state"], delivery["attempts"]) == ("dead", 1)
        assert code in delivery["last_error"] and "οφειλ" in delivery["last_error"]


async def test_failed_payment_and_contact_sync(portal, genesis) -> None:  # type: ignore[no-untyped-def]
    failed = example("payment.failed")
    submitted = example("request.submitted")
    await portal.post_event(failed)
    await portal.post_event(submitted)
    assert (await portal.wait_settled(failed["id"]))["deliveries"][0]["result"]["posted"] is False
    assert (await portal.wait_settled(submitted["id"]))["deliveries"][0]["result"] == {
        "contact": "updated"
    }
    assert (
        genesis.receipts == {}
        and genesis.contacts["094259216"]["email"] == "maria.papadopoulou@example.gr"
    )


async def test_debt_lookup_filters_caches_and_reflects_payments(portal, genesis) -> None:  # type: ignore[no-untyped-def]
    everything = (await debts(portal, "094259216")).json()
    from tests.gateway.test_openapi import _validator

    _validator("Debts").validate(everything)
    assert (
        everything["total"] == "223.60"
        and everything["no_debt"] is False
        and len(everything["debts"]) == 3
    )
    tap = (await debts(portal, "094259216", category="TAP")).json()
    assert {d["category"] for d in tap["debts"]} == {"TAP"} and tap["total"] == "137.45"
    calls = len(genesis.requests)
    await debts(portal, "094259216", category="TAP")
    assert len(genesis.requests) == calls  # served from the cache
    none = (await debts(portal, "090165560")).json()
    assert none == {"afm": "090165560", "debts": [], "total": "0.00", "no_debt": True}
    bad = await debts(portal, "123456781")
    assert bad.status_code == 422


async def test_200_payments_under_30_percent_errors_make_200_receipts_to_the_cent(
    portal, genesis
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    payments = []
    for index in range(200):
        amount = Decimal(rng.randint(1, 50000)) / 100
        rf = genesis.add_debt(f"{index:09d}"[:9], "TAP", f"debt {index}", amount)
        payments.append(
            payment(rf, str(amount.quantize(Decimal("0.01"))), payment_id=f"PAY-LOAD-{index:04d}")
        )
    # half the injected failures happen after GENESIS did the work: the retry must not post again
    genesis.set_faults(error_rate=0.3, error_phase="after", seed=11)
    await asyncio.gather(*(portal.post_event(p) for p in payments[:100]))
    genesis.set_faults(error_rate=0.3, error_phase="before", seed=12)
    await asyncio.gather(*(portal.post_event(p) for p in payments[100:]))
    for event in payments:
        view = await portal.wait_settled(event["id"], within=120)
        assert view["status"] == "delivered", view["deliveries"]
    assert len(genesis.receipts) == 200 == genesis.posts
    paid = sum(Decimal(p["data"]["amount"]) for p in payments)
    assert sum(r.amount for r in genesis.receipts.values()) == paid
    assert sum(1 for r in genesis.requests if r.fault) > 30  # the faults did happen
    dead = (
        await portal.client.get(
            f"{portal.base_url}/v1/dead-letters",
            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
        )
    ).json()
    assert dead["items"] == []
