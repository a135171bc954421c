"""Retention: personal data is kept only as long as the config says.

An event's payload (names, ΑΦΜ, e-mails) is dropped once the event is
settled and older than `retention_days`; its delivery history stays. Expired
cache entries and send-log records are deleted too: their keys and values
hold ΑΦΜ and e-mail hashes, and nothing reads them after they expire.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, update
from sqlalchemy.engine import Connection

from gateway.states import ACTIVE_STATES
from gateway.store.db import Store
from gateway.store.models import deliveries, events, lookup_cache, send_log, utcnow


async def purge_payloads(store: Store, older_than: datetime) -> int:
    """Drop the personal data of settled events received before `older_than`; keep the history."""
    unsettled = exists().where(
        deliveries.c.event_id == events.c.id, deliveries.c.state.in_(ACTIVE_STATES)
    )
    statement = (
        update(events)
        .where(events.c.received_at < older_than, events.c.purged_at.is_(None), ~unsettled)
        .values(envelope=None, afm=None, purged_at=utcnow())
    )
    return await store.transact(lambda connection: connection.execute(statement).rowcount or 0)


async def purge_event(store: Store, event_id: str) -> bool:
    """Drop one settled event's personal data now (an admin's request); False if none was left."""
    unsettled = exists().where(
        deliveries.c.event_id == events.c.id, deliveries.c.state.in_(ACTIVE_STATES)
    )
    statement = (
        update(events)
        .where(events.c.id == event_id, events.c.purged_at.is_(None), ~unsettled)
        .values(envelope=None, afm=None, purged_at=utcnow())
    )
    done: int = await store.transact(lambda connection: connection.execute(statement).rowcount or 0)
    return bool(done)


async def purge_expired(store: Store) -> int:
    """Delete cache entries and send-log records past their expiry; how many went."""
    now = utcnow()

    def purge(connection: Connection) -> int:
        gone = 0
        for table in (lookup_cache, send_log):
            gone += connection.execute(delete(table).where(table.c.expires_at <= now)).rowcount or 0
        return gone

    result: int = await store.transact(purge)
    return result
