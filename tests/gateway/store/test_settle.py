"""Successes settled together in one group commit: each as it would be alone, on both databases."""

from __future__ import annotations

import asyncio

import pytest

from gateway.store import Store
from gateway.store.leases import LeaseLost, claim_due, settle_success
from gateway.store.views import event_view, queue_depth
from tests.support.store import new_event


async def test_many_successes_at_once_each_keep_their_result_and_reference(store: Store) -> None:
    await store.accept([new_event(f"e{n}", ["p"]) for n in range(40)])
    claims = await claim_due(store, "p", 40, 60, "w")
    derived = {c.event_id: [new_event(f"{c.event_id}~p", ["q"])] for c in claims[:5]}
    created = await asyncio.gather(
        *(
            settle_success(
                store,
                c,
                {"n": c.event_id},
                derived.get(c.event_id, []),
                reference=f"R-{c.event_id}",
            )
            for c in claims
        )
    )
    assert [len(found) for found in created] == [1] * 5 + [0] * 35
    assert await queue_depth(store) == {("p", "succeeded"): 40, ("q", "pending"): 5}
    async with store.read() as connection:
        references = dict(
            (await connection.exec_driver_sql("SELECT event_id, reference FROM deliveries")).all()
        )
    assert references == {c.event_id: f"R-{c.event_id}" for c in claims} | {
        e.id: None for found in derived.values() for e in found
    }
    for claim in claims:
        view = await event_view(store, claim.event_id)
        assert view is not None
        (delivery,) = view["deliveries"]
        assert delivery["result"] == {"n": claim.event_id}
        assert delivery["emitted"] == [e.id for e in derived.get(claim.event_id, [])]
        assert [h["outcome"] for h in delivery["history"]] == ["succeeded"]
        assert delivery["history"][0]["ended_at"] is not None


async def test_a_lost_lease_among_held_ones_fails_alone(store: Store) -> None:
    await store.accept([new_event("late", ["p"]), new_event("on-time", ["p"])])
    (late,) = await claim_due(store, "p", 1, 0.01, "w1")
    await asyncio.sleep(0.05)
    taken_over, on_time = sorted(await claim_due(store, "p", 5, 60, "w2"), key=lambda c: c.event_id)
    assert taken_over.delivery_id == late.delivery_id
    results = await asyncio.gather(
        settle_success(store, late, {"stale": True}, [new_event("late~p", ["q"])]),
        settle_success(store, on_time, {"ok": True}, []),
        return_exceptions=True,
    )
    assert isinstance(results[0], LeaseLost) and results[1] == []
    assert await event_view(store, "late~p") is None  # nothing of the stale attempt is written
    view = await event_view(store, "late")
    assert view is not None and view["deliveries"][0]["state"] == "running"
    await settle_success(store, taken_over, {"ok": 2}, [])
    view = await event_view(store, "late")
    assert view is not None and view["deliveries"][0]["result"] == {"ok": 2}


async def test_settling_twice_is_refused_the_second_time(store: Store) -> None:
    await store.accept([new_event("e1", ["p"])])
    (claim,) = await claim_due(store, "p", 1, 60, "w")
    await settle_success(store, claim, {"ok": True}, [])
    with pytest.raises(LeaseLost):
        await settle_success(store, claim, {"again": True}, [])
