"""Issue 14, point 4: dead letters selected by a filter, counted, then replayed or dismissed in one go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.states import DeliveryState, EventStatus
from gateway.store import Store, bulk, views
from gateway.store.models import utcnow
from tests.support.store import new_event


async def _dead(store: Store, where: str, kind: str = "permanent", error: str = "refused") -> None:
    async with store.write() as connection:
        await connection.exec_driver_sql(
            "UPDATE deliveries SET state = 'dead', last_error_kind = :kind, last_error = :error, "
            f"finished_at = CURRENT_TIMESTAMP WHERE {where}".replace(":kind", f"'{kind}'").replace(
                ":error", f"'{error}'"
            )
        )


async def test_count_then_replay_exactly_what_was_counted(store: Store) -> None:
    await store.accept([new_event(f"e{i}", ["genesis", "email"]) for i in range(6)])
    await _dead(store, "plugin = 'genesis'", error="UNKNOWN_RF 100% sure")
    await _dead(store, "plugin = 'email' AND event_id IN ('e0', 'e1')", kind="outcome_unknown")
    only_genesis = bulk.DeadFilter(plugin="genesis")
    assert await bulk.count(store, only_genesis, replayable=True) == 6
    assert await bulk.count(store, bulk.DeadFilter(), replayable=True) == 6  # in doubt: never
    assert await bulk.count(store, bulk.DeadFilter(), replayable=False) == 8
    with pytest.raises(bulk.CountChanged) as changed:
        await bulk.replay(store, only_genesis, expect_count=5)
    assert changed.value.found == 6
    assert await bulk.count(store, only_genesis, replayable=True) == 6  # nothing was done
    plugins = await bulk.replay(store, only_genesis, expect_count=6)
    assert plugins == ["genesis"]
    assert await bulk.count(store, only_genesis, replayable=True) == 0
    view = await views.event_view(store, "e3")
    assert view is not None
    assert {d["plugin"]: d["state"] for d in view["deliveries"]}["genesis"] == DeliveryState.PENDING


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (bulk.DeadFilter(error_contains="100%"), 3),  # a LIKE wildcard is taken literally
        (bulk.DeadFilter(error_contains="100_"), 0),
        (bulk.DeadFilter(error_kind="permanent"), 3),
        (bulk.DeadFilter(event_type="payment.completed"), 0),
        (bulk.DeadFilter(since=utcnow() - timedelta(minutes=5)), 3),
        (bulk.DeadFilter(until=utcnow() - timedelta(minutes=5)), 0),
    ],
)
async def test_filters_narrow(store: Store, chosen: bulk.DeadFilter, expected: int) -> None:
    await store.accept([new_event(f"f{i}", ["genesis"]) for i in range(3)])
    await _dead(store, "plugin = 'genesis'", error="UNKNOWN_RF 100% sure")
    assert await bulk.count(store, chosen, replayable=True) == expected


async def test_dismissed_leaves_the_list_keeps_its_history_and_closes_the_event(
    store: Store,
) -> None:
    await store.accept([new_event("d1", ["genesis", "email"]), new_event("d2", ["genesis"])])
    await _dead(store, "plugin = 'genesis'")
    async with store.write() as connection:
        await connection.exec_driver_sql(
            "UPDATE deliveries SET state = 'succeeded' WHERE plugin = 'email'"
        )
    done = await bulk.dismiss(
        store, bulk.DeadFilter(plugin="genesis"), 2, "UNKNOWN_RF: paid at the desk", "maria"
    )
    assert done == 2
    assert await views.dead_letters(store) == []
    view = await views.event_view(store, "d1")
    assert view is not None and view["status"] == EventStatus.CLOSED
    genesis = next(d for d in view["deliveries"] if d["plugin"] == "genesis")
    assert genesis["state"] == DeliveryState.DISMISSED
    assert genesis["history"][-1]["outcome"] == "dismissed_by_operator"
    assert "paid at the desk" in genesis["history"][-1]["error"]
    closed = {item["id"] for item in (await views.list_events(store, status="closed"))["items"]}
    assert closed == {"d1", "d2"}
    delivered = (await views.list_events(store, status="delivered"))["items"]
    assert delivered == []


async def test_more_than_the_cap_is_refused(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MAX_BULK", 3)
    await store.accept([new_event(f"m{i}", ["genesis"]) for i in range(4)])
    await _dead(store, "plugin = 'genesis'")
    with pytest.raises(bulk.TooMany):
        await bulk.count(store, bulk.DeadFilter(), replayable=True)


async def test_five_thousand_dead_letters_are_replayed_in_one_call(store: Store) -> None:
    """The acceptance's volume; its time is measured in bench/bulk_replay.py, not asserted here."""
    await store.accept([new_event(f"v{i}", ["genesis"]) for i in range(5000)])
    await _dead(store, "plugin = 'genesis'")
    chosen = bulk.DeadFilter(plugin="genesis")
    assert await bulk.count(store, chosen, replayable=True) == 5000
    assert await bulk.replay(store, chosen, 5000) == ["genesis"]
    assert await bulk.count(store, chosen, replayable=True) == 0
