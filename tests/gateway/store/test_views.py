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
