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


# -- payments as they arrive (domain §6) ------------------------------------------------


def grouped_rf(genesis: FakeGenesis) -> str:
    """The RF of the fixture's grouped notice: two debts of 40.00, the older due first."""
    (rf,) = {d.rf_code for d in genesis.debts.values() if d.afm == "094014298"}
    return rf


async def test_a_card_payment_covers_part_of_a_grouped_notice_and_keeps_its_provider(
    portal, genesis, receiver
) -> None:  # type: ignore[no-untyped-def]
    rf = grouped_rf(genesis)
    event = payment(rf, "50.00", "PAY-CARD-1")
    event["data"]["provider"] = {"name": "viva", "order_code": "1272214778972604", "transaction_id": "b1a3-77", "status": "F"}  # fmt: skip
    assert (await portal.post_event(event)).status_code == 202
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded", delivery
    assert delivery["result"]["applied"] == [
        {"category": "CLEANING_LIGHTING", "description": "Τέλη καθαριότητας Α' εξάμηνο", "amount": "40.00", "settled": True},
        {"category": "CLEANING_LIGHTING", "description": "Τέλη καθαριότητας Β' εξάμηνο", "amount": "10.00", "settled": False},
    ]  # fmt: skip
    assert genesis.owed(rf) == Decimal("30.00")
    (receipt,) = [r for r in genesis.receipts.values() if r.payment_id == "PAY-CARD-1"]
    assert receipt.provider == {"provider": "viva", "order_code": "1272214778972604", "transaction_id": "b1a3-77"}  # fmt: skip
    recorded = (await portal.wait_settled(delivery["emitted"][0]))["data"]
    assert recorded["channel"] == "card" and recorded["applied"][1]["amount"] == "10.00"
    assert recorded["provider"]["order_code"] == "1272214778972604"


async def test_a_dias_payment_is_not_posted_twice_genesis_imports_it(portal, genesis) -> None:  # type: ignore[no-untyped-def]
    event = example("payment.completed", data={"channel": "dias"})
    for key in ("payer", "payment_id", "locale"):
        event["data"].pop(key)
    assert (await portal.post_event(event)).status_code == 202
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded" and delivery["emitted"] == []
    assert delivery["result"]["posted"] is False and delivery["result"]["channel"] == "dias"
    assert delivery["result"]["payment_id"] == event["id"]
    assert genesis.receipts == {} and genesis.posts == 0


async def test_where_dias_is_posted_a_payment_without_payer_is_recorded_without_one(
    start_gateway, database_url, genesis, receiver
) -> None:  # type: ignore[no-untyped-def]
    plugins = {
        "genesis": section(genesis, post_channels=["card", "dias"]),
        "webhook": {"url": receiver.url + "/events"},
    }
    portal, _app = await start_gateway(build_settings(database_url, plugins, ROUTES))
    event = example("payment.completed", data={"channel": "dias"})
    for key in ("payer", "payment_id"):
        event["data"].pop(key)
    await portal.post_event(event)
    (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
    assert delivery["state"] == "succeeded", delivery
    recorded = (await portal.wait_settled(delivery["emitted"][0]))["data"]
    assert "payer" not in recorded and recorded["payment_id"] == event["id"]
    (receipt,) = genesis.receipts.values()
    assert (receipt.payer_afm, receipt.channel) == ("", "dias")


@pytest.mark.parametrize(
    ("changes", "removed", "path"),
    [
        ({}, "payer", "data"),  # a card payment names its payer
        ({}, "payment_id", "data"),
        ({"channel": "dias"}, "rf_code", "data"),  # even DIAS carries the RF
        ({"provider": {"order_code": "1"}}, None, "data.provider"),  # a provider has a name
    ],
)
async def test_payments_that_say_too_little_are_refused_at_intake(
    portal, genesis, changes: dict, removed: str | None, path: str
) -> None:  # type: ignore[no-untyped-def, type-arg]
    event = example("payment.completed", data=changes)
    if removed:
        event["data"].pop(removed)
    answer = await portal.post_event(event)
    assert answer.status_code == 422, answer.text
    assert any(e["path"].startswith("$." + path) for e in answer.json()["errors"]), answer.json()
    assert genesis.posts == 0
