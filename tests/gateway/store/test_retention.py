"""Retention: payloads of settled old events purged, the history kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gateway.store import Store
from gateway.store.cache import Cache
from gateway.store.leases import (
    claim_due,
    settle_failure,
)
from gateway.store.models import utcnow
from gateway.store.repair import replay
from gateway.store.retention import purge_expired, purge_payloads
from gateway.store.send_records import SendRecordTable
from gateway.store.views import event_view
from tests.support.store import new_event


async def test_purge_drops_payloads_of_settled_old_events_only(store: Store) -> None:
    await store.accept(
        [
            new_event("old-done", [], received_offset=-100),
            new_event("old-busy", ["p"], received_offset=-100),
            new_event("new", []),
        ],
    )
    assert await purge_payloads(store, utcnow() - timedelta(seconds=50)) == 1
    done = await event_view(store, "old-done")
    assert done is not None and done["purged"] and done["data"] is None
    busy = await event_view(store, "old-busy")
    assert busy is not None and not busy["purged"] and busy["data"] == {"n": 1}


async def test_purged_event_cannot_be_delivered_but_says_why(store: Store) -> None:
    await store.accept([new_event("e1", ["p"], received_offset=-100)])
    (claim,) = await claim_due(store, "p", 1, 60, "w")
    await settle_failure(
        store, claim, outcome="permanent", error_class="X", message="no", retry_at=None
    )
    await purge_payloads(store, utcnow())
    await replay(store, "e1")
    (claim,) = await claim_due(store, "p", 1, 60, "w")
    assert claim.envelope is None  # the dispatcher turns this into a permanent, explained failure


async def test_expired_cache_and_send_records_are_deleted_live_ones_kept(store: Store) -> None:
    """Their keys hold ΑΦΜ and address hashes: once expired nothing reads them, so they go."""
    cache, records = Cache(store, "taxis"), SendRecordTable(store, "email")
    await cache.put("123456789", {"name": "gone"}, ttl_seconds=0.01)
    await cache.put("987654321", {"name": "kept"}, ttl_seconds=3600)
    await records.put("evt-1:old", "done", {}, ttl_seconds=0.01)
    await records.put("evt-2:new", "sending", {}, ttl_seconds=3600)
    await asyncio.sleep(0.05)
    assert await purge_expired(store) == 2
    assert await cache.get("987654321") == {"name": "kept"}
    assert (await records.get("evt-2:new") or {}).get("state") == "sending"
    assert await purge_expired(store) == 0
