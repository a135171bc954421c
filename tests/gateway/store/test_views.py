"""What operators read: lists newest first, with cursor and filters."""

from __future__ import annotations

from gateway.store import Store
from gateway.store.views import list_events
from tests.support.store import new_event


async def test_list_is_newest_first_with_cursor_and_filters(store: Store) -> None:
    await store.accept([new_event(f"e{i}", ["p"] if i % 2 else []) for i in range(7)])
    page = await list_events(store, limit=3)
    assert [i["id"] for i in page["items"]] == ["e6", "e5", "e4"]
    page2 = await list_events(store, limit=3, cursor=page["next_cursor"])
    assert [i["id"] for i in page2["items"]] == ["e3", "e2", "e1"]
    page3 = await list_events(store, limit=3, cursor=page2["next_cursor"])
    assert [i["id"] for i in page3["items"]] == ["e0"] and page3["next_cursor"] is None
    assert {i["id"] for i in (await list_events(store, status="delivered"))["items"]} == {
        "e0",
        "e2",
        "e4",
        "e6",
    }
    assert [i["id"] for i in (await list_events(store, subject="request/e3"))["items"]] == ["e3"]
    assert (await list_events(store, type="payment.completed"))["items"] == []


async def test_dead_lists_every_event_with_a_dead_delivery_whatever_the_others_do(
    store: Store,
) -> None:
    """Issue 14, point 6: a dead delivery beside a pending one is still a dead letter to find."""
    await store.accept(
        [new_event("mixed", ["a", "b"]), new_event("all-dead", ["a"]), new_event("fine", ["a"])]
    )
    async with store.write() as connection:
        await connection.exec_driver_sql(
            "UPDATE deliveries SET state = 'dead' "
            "WHERE (event_id = 'mixed' AND plugin = 'a') OR event_id = 'all-dead'"
        )
        await connection.exec_driver_sql(
            "UPDATE deliveries SET state = 'succeeded' WHERE event_id = 'fine'"
        )
    dead = {item["id"] for item in (await list_events(store, status="dead"))["items"]}
    assert dead == {"mixed", "all-dead"}
    pending = {item["id"] for item in (await list_events(store, status="pending"))["items"]}
    assert pending == {"mixed"}  # its other delivery still has work ahead
