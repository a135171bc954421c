"""Operator repair on SQLite and PostgreSQL: a dead delivery replayed."""

from __future__ import annotations

from datetime import timedelta

from gateway.store import Store
from gateway.store.leases import (
    claim_due,
    next_due_at,
    settle_failure,
)
from gateway.store.models import utcnow
from gateway.store.repair import replay
from gateway.store.views import dead_letters, list_events
from tests.support.store import new_event


async def test_failure_then_dead_then_replay(store: Store) -> None:
    await store.accept([new_event("e1", ["p"])])
    (claim,) = await claim_due(store, "p", 1, 60, "w")
    retry_at = utcnow() + timedelta(seconds=30)
    await settle_failure(
        store, claim, outcome="transient", error_class="X", message="boom", retry_at=retry_at
    )
    assert await claim_due(store, "p", 1, 60, "w") == []
    due = await next_due_at(store, "p")
    assert due is not None and abs((due - retry_at).total_seconds()) < 0.01
    assert await replay(store, "e1") == [
        "p"
    ]  # a failed delivery waiting for its retry comes back now
    (claim,) = await claim_due(store, "p", 1, 60, "w")
    await settle_failure(
        store, claim, outcome="permanent", error_class="Y", message="refused", retry_at=None
    )
    (letter,) = await dead_letters(store)
    assert (letter["event_id"], letter["reason"], letter["attempts"]) == ("e1", "refused", 2)
    assert (await list_events(store, status="dead"))["items"][0]["id"] == "e1"
    assert await replay(store, "e1") == ["p"]
    assert await replay(store, "e1") == []
    assert await replay(store, "nope") is None
    assert (await list_events(store, status="pending"))["items"][0]["id"] == "e1"
