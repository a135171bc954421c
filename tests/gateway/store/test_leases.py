"""The lease cycle on SQLite and PostgreSQL: claims, leases, fencing, settling."""

from __future__ import annotations

import asyncio

import pytest

from gateway.store import Store, open_store
from gateway.store.leases import (
    LeaseLost,
    claim_due,
    settle_success,
)
from gateway.store.views import event_view, queue_depth
from tests.support.store import new_event


async def test_claim_takes_due_work_oldest_first_and_not_twice(store: Store) -> None:
    await store.accept(
        [
            new_event("e1", ["p"], received_offset=-2),
            new_event("e2", ["p"], received_offset=-1),
            new_event("e3", ["q"]),
        ],
    )
    claims = await claim_due(store, "p", 10, 60, "w1")
    assert [c.event_id for c in claims] == ["e1", "e2"]
    assert all(c.attempt == 1 and c.envelope and c.envelope["id"] == c.event_id for c in claims)
    assert await claim_due(store, "p", 10, 60, "w2") == []
    assert await queue_depth(store) == {("p", "running"): 2, ("q", "pending"): 1}


async def test_expired_lease_is_reclaimed_and_the_old_holder_is_fenced(store: Store) -> None:
    await store.accept([new_event("e1", ["p"])])
    (old,) = await claim_due(store, "p", 1, 0.05, "dead-worker")
    await asyncio.sleep(0.1)
    (new,) = await claim_due(store, "p", 1, 60, "w2")
    assert new.delivery_id == old.delivery_id and new.attempt == 2 and new.failures == 1
    with pytest.raises(LeaseLost):
        await settle_success(store, old, {"late": True}, [])
    await settle_success(store, new, {"ok": True}, [])
    view = await event_view(store, "e1")
    assert view is not None
    (delivery,) = view["deliveries"]
    assert delivery["result"] == {"ok": True}
    assert [h["outcome"] for h in delivery["history"]] == ["lease_expired", "succeeded"]


async def test_a_claim_of_pending_work_only_leaves_an_expired_lease_for_the_next_look(
    store: Store,
) -> None:
    """The lane looks for expired leases once a second; its other claims read pending work only."""
    await store.accept([new_event("e1", ["p"]), new_event("e2", ["p"])])
    (old,) = await claim_due(store, "p", 1, 0.05, "dead-worker")
    await asyncio.sleep(0.1)
    (pending,) = await claim_due(store, "p", 5, 60, "w2", expired_too=False)
    assert pending.event_id != old.event_id and pending.attempt == 1
    (taken_over,) = await claim_due(store, "p", 5, 60, "w2")
    assert taken_over.delivery_id == old.delivery_id and taken_over.attempt == 2


async def test_success_stores_derived_events_in_the_same_transaction(store: Store) -> None:
    await store.accept([new_event("e1", ["p"])])
    (claim,) = await claim_due(store, "p", 1, 60, "w")
    derived = new_event("e1.p", ["q"])
    created = await settle_success(store, claim, {"n": 1}, [derived])
    assert [c.id for c in created] == ["e1.p"]
    assert [c.event_id for c in await claim_due(store, "q", 5, 60, "w")] == ["e1.p"]
    view = await event_view(store, "e1")
    assert view is not None and view["deliveries"][0]["emitted"] == ["e1.p"]


async def test_lost_lease_writes_nothing_derived(store: Store) -> None:
    await store.accept([new_event("e1", ["p"])])
    (old,) = await claim_due(store, "p", 1, 0.01, "w1")
    await asyncio.sleep(0.05)
    await claim_due(store, "p", 1, 60, "w2")
    with pytest.raises(LeaseLost):
        await settle_success(store, old, None, [new_event("e1.p", ["q"])])
    assert await event_view(store, "e1.p") is None


@pytest.mark.postgres
async def test_concurrent_claimers_never_share_a_delivery(pg_url: str) -> None:
    """Several stores (as several processes would) claim from one PostgreSQL with SKIP LOCKED."""
    stores = [await open_store(pg_url) for _ in range(4)]
    try:
        await stores[0].accept([new_event(f"e{i}", ["p"]) for i in range(200)])
        claimed: list[list[int]] = [[] for _ in stores]

        async def worker(index: int) -> None:
            while True:
                claims = await claim_due(stores[index], "p", 7, 60, f"w{index}")
                if not claims:
                    return
                claimed[index] += [c.delivery_id for c in claims]

        await asyncio.gather(*(worker(i) for i in range(len(stores))))
        everything = [d for part in claimed for d in part]
        assert len(everything) == 200 == len(set(everything))
        assert sum(1 for part in claimed if part) >= 2
    finally:
        for s in stores:
            await s.close()


async def test_what_is_due_is_read_through_the_index_without_a_sort(sqlite_url: str) -> None:
    """A claim reads `limit` rows of ix_deliveries_due, never the whole backlog (SQLite's plan)."""
    from gateway.store.leases import due_sql

    store = await open_store(sqlite_url)
    try:
        for sql, state in zip(due_sql("sqlite"), ("running", "pending"), strict=True):
            async with store.read() as connection:
                rows = await connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + sql,
                    ("webhook", state, "2026-01-01 00:00:00.000000", "webhook", 32),
                )
                plan = " | ".join(str(row[3]) for row in rows)
            assert "ix_deliveries_due (plugin=? AND state=?" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    finally:
        await store.close()
