"""Storing events with their deliveries: each item judged, batches of every size."""

from __future__ import annotations

from gateway.store import Store
from tests.support.store import new_event


async def test_accept_judges_each_item(store: Store) -> None:
    first = await store.accept(
        [new_event("e1", ["a", "b"]), new_event("e1", ["a"]), new_event("e2", [])]
    )
    assert [(a.status, a.plugins) for a in first] == [
        ("created", ["a", "b"]),
        ("duplicate", ["a", "b"]),
        ("created", []),
    ]
    again = await store.accept([new_event("e1", ["x"]), new_event("e1", ["x"], body_hash="other")])
    assert [(a.status, a.plugins) for a in again] == [("duplicate", ["a", "b"]), ("conflict", [])]


async def test_accept_judges_batches_of_every_size(store: Store) -> None:
    # the known-ids look-up pads its list to a power of two: odd sizes must judge the same
    for size in (1, 3, 5, 17, 600):
        known = [new_event(f"k{size}-{i}", ["a"]) for i in range(size)]
        assert {a.status for a in await store.accept(known)} == {"created"}
        fresh = [new_event(f"n{size}-{i}", ["a"]) for i in range(size)]
        answers = await store.accept(known[: size // 2 + 1] + fresh)
        statuses = [a.status for a in answers]
        assert statuses == ["duplicate"] * (size // 2 + 1) + ["created"] * size
