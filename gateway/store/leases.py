"""The worker's lease cycle: claim due work under a lease, then settle it.

A claim sets `state = running`, a fresh lease token and an expiry; settling
only succeeds while the token still matches, so a worker whose lease expired
(and whose delivery another worker took) can no longer write its outcome.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection

from gateway.states import DeliveryState, Outcome
from gateway.store.accept import NewEvent
from gateway.store.db import Store
from gateway.store.dbapi import driver_cursor, for_driver, in_list, read_json, read_time, stamper
from gateway.store.models import attempts, deliveries, utcnow
from gateway.store.settle import Success

#: plain strs: the claim's rows go straight to the DBAPI cursor
PENDING, RUNNING = DeliveryState.PENDING.value, DeliveryState.RUNNING.value


class LeaseLost(Exception):
    """The delivery was reclaimed by another worker; this outcome is void."""


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    event_id: str
    plugin: str
    attempt: int
    failures: int
    lease_token: str
    created_at: datetime
    envelope: dict[str, Any] | None
    traceparent: str | None = None


_CHOSEN = (
    "SELECT d.id, d.state, d.event_id, d.attempts, d.failures, d.created_at,"
    " e.envelope, e.traceparent"
    " FROM deliveries AS d JOIN events AS e ON e.id = d.event_id"
    " WHERE d.plugin = ? AND d.state = ? AND {when} ?"
    # a paused plugin has nothing due: checked inside the claim, so a pause holds at once
    " AND NOT EXISTS (SELECT 1 FROM plugin_pauses AS p WHERE p.plugin = ?)"
)
_LOCKED = " FOR UPDATE OF d SKIP LOCKED"  # PostgreSQL: rows another process holds are skipped


@functools.lru_cache(maxsize=2)
def due_sql(dialect: str) -> tuple[str, str]:
    """What is due, as two queries an index serves: leases that expired, then pending work.

    Both take (plugin, state, now, plugin, limit). One query with an OR of the
    two made SQLite read every delivery of the plugin and sort them for each
    claim: a backlog of 100,000 drained at a quarter of the rate of a backlog
    of 1,000. Each of these reads `ix_deliveries_due` (plugin, state,
    next_attempt_at, id) from its start, in its order, and stops at `limit`;
    the id in the index spares PostgreSQL a sort (migration 0010). What a
    claim needs (the envelope too) is read with the choice.
    """
    lock = "" if dialect == "sqlite" else _LOCKED
    expired = _CHOSEN.format(when="d.lease_expires_at <") + " LIMIT ?" + lock
    pending = (
        _CHOSEN.format(when="d.next_attempt_at <=")
        + " ORDER BY d.next_attempt_at, d.id LIMIT ?"
        + lock
    )
    return for_driver(expired, dialect), for_driver(pending, dialect)


async def claim_due(
    store: Store,
    plugin: str,
    limit: int,
    lease_seconds: float,
    worker: str,
    *,
    expired_too: bool = True,
) -> list[Claim]:
    """Take up to `limit` due deliveries of one plugin: expired leases first, then oldest due.

    `expired_too=False` looks at pending work only (`dispatcher.py` looks for expired
    leases once a second, not at every claim).
    """
    now = utcnow()
    token = str(uuid.uuid4())
    dialect = "sqlite" if store.is_sqlite else "postgresql"
    expired_sql, pending_sql = due_sql(dialect)
    stamp = stamper(dialect)
    at, expires = stamp(now), stamp(now + timedelta(seconds=lease_seconds))

    def run(cursor: Any, sql: str, values: list[Any]) -> None:
        cursor.execute(for_driver(sql, dialect), values)

    def claim(connection: Connection) -> list[Claim]:
        cursor = driver_cursor(connection)
        try:
            picked: list[Any] = []
            if expired_too:
                cursor.execute(expired_sql, (plugin, RUNNING, at, plugin, limit))
                picked += cursor.fetchall()
            if len(picked) < limit:
                cursor.execute(pending_sql, (plugin, PENDING, at, plugin, limit - len(picked)))
                picked += cursor.fetchall()
            if not picked:
                return []
            reclaimed = [row[0] for row in picked if row[1] == RUNNING]
            if reclaimed:
                # the previous holder died mid-attempt: close its attempt and count it as failed
                where, ids = in_list(reclaimed)
                run(
                    cursor,
                    "UPDATE attempts SET ended_at = ?, outcome = ?, error_message = ?"
                    f" WHERE ended_at IS NULL AND delivery_id IN {where}",
                    [at, Outcome.LEASE_EXPIRED.value, "worker lost its lease", *ids],
                )
                run(
                    cursor,
                    f"UPDATE deliveries SET failures = failures + 1 WHERE id IN {where}",
                    ids,
                )
            where, ids = in_list([row[0] for row in picked])
            run(
                cursor,
                "UPDATE deliveries SET state = ?, attempts = attempts + 1, lease_token = ?,"
                f" lease_expires_at = ?, updated_at = ? WHERE id IN {where}",
                [RUNNING, token, expires, at, *ids],
            )
            cursor.executemany(
                for_driver(
                    "INSERT INTO attempts (delivery_id, number, worker, lease_token, started_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    dialect,
                ),
                [(row[0], row[3] + 1, worker, token, at) for row in picked],
            )
        finally:
            cursor.close()
        return [
            Claim(
                delivery_id=row[0],
                event_id=row[2],
                plugin=plugin,
                attempt=row[3] + 1,
                failures=row[4] + (row[1] == RUNNING),
                lease_token=token,
                created_at=_aware(read_time(row[5])),
                envelope=read_json(row[6]),
                traceparent=row[7],
            )
            for row in picked
        ]

    # a claim lost to a power cut leaves its deliveries pending: they are claimed again
    return list(await store.transact(claim, durable=False))


def _aware(value: datetime | None) -> datetime:
    assert value is not None, "a delivery always has its created_at"
    return value


def _close_attempt(
    connection: Connection,
    claim: Claim,
    outcome: Outcome,
    error_class: str | None,
    message: str | None,
) -> None:
    connection.execute(
        update(attempts)
        .where(
            attempts.c.delivery_id == claim.delivery_id, attempts.c.lease_token == claim.lease_token
        )
        .values(ended_at=utcnow(), outcome=outcome, error_class=error_class, error_message=message)
    )


def _held(claim: Claim) -> Any:
    return and_(
        deliveries.c.id == claim.delivery_id,
        deliveries.c.lease_token == claim.lease_token,
        deliveries.c.state == DeliveryState.RUNNING,
    )


async def settle_success(
    store: Store,
    claim: Claim,
    result: dict[str, Any] | None,
    derived: list[NewEvent],
    *,
    reference: str | None = None,
) -> list[NewEvent]:
    """Mark succeeded and store derived events with their deliveries, atomically.

    Returns the derived events that were new (an identical one already stored
    is skipped). Successes waiting together are written together (`settle.py`).
    """
    created = await store.settle(
        Success(claim.delivery_id, claim.lease_token, result, derived, reference)
    )
    if created is None:
        raise LeaseLost(claim.delivery_id)
    return created


async def settle_failure(
    store: Store,
    claim: Claim,
    *,
    outcome: Outcome,
    error_class: str,
    message: str,
    retry_at: datetime | None,
    counts: bool = True,
) -> None:
    """Record a failed attempt; `retry_at=None` makes the delivery dead."""
    now = utcnow()
    values: dict[str, Any] = {
        "state": DeliveryState.PENDING if retry_at else DeliveryState.DEAD,
        "next_attempt_at": retry_at,
        "last_error": message,
        "last_error_kind": outcome,
        "lease_token": None,
        "lease_expires_at": None,
        "updated_at": now,
        "finished_at": None if retry_at else now,
    }
    if counts:
        values["failures"] = deliveries.c.failures + 1

    def settle(connection: Connection) -> bool:
        done = connection.execute(update(deliveries).where(_held(claim)).values(**values))
        if done.rowcount != 1:
            return False
        _close_attempt(connection, claim, outcome, error_class, message)
        return True

    if not await store.transact(settle, durable=False):
        raise LeaseLost(claim.delivery_id)


async def next_due_at(store: Store, plugin: str) -> datetime | None:
    """When this plugin's next delivery (or expiring lease) comes due."""
    mine = deliveries.c.plugin == plugin
    async with store.read() as connection:
        pending = await connection.scalar(
            select(deliveries.c.next_attempt_at)
            .where(mine, deliveries.c.state == DeliveryState.PENDING)
            .order_by(deliveries.c.next_attempt_at)
            .limit(1)
        )
        lease = await connection.scalar(
            select(deliveries.c.lease_expires_at)
            .where(mine, deliveries.c.state == DeliveryState.RUNNING)
            .order_by(deliveries.c.lease_expires_at)
            .limit(1)
        )
    return min((value for value in (pending, lease) if value is not None), default=None)
