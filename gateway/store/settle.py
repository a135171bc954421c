"""Settling many successful attempts at once: three statements for a whole group commit.

A busy lane finishes a delivery every few hundred microseconds, and each
success was two UPDATEs of its own in the writer (the delivery, its
attempt), each paying SQLAlchemy's cost per statement: at 1,000 deliveries
a second the writer spent nearly all its time there. The group commit now
hands every success waiting to `settle_successes`, which checks the leases
in one SELECT and updates the deliveries and attempts with one executemany
each, through the driver's cursor (`dbapi.py`). A lease that was lost (another worker took the delivery over) is
answered None, and nothing of it is written, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from gateway.states import DeliveryState, Outcome
from gateway.store.accept import NewEvent, insert_events
from gateway.store.dbapi import driver_cursor, for_driver, in_list, json_text, stamper
from gateway.store.models import bounded_reference, utcnow


@dataclass(frozen=True)
class Success:
    """A successful attempt to record: which claim, what came back, what it derived."""

    delivery_id: int
    lease_token: str
    result: dict[str, Any] | None
    derived: list[NewEvent] = field(default_factory=list)
    reference: str | None = None


def store_derived(connection: Connection, derived: list[NewEvent]) -> list[NewEvent]:
    """Store the derived events; return those that were new (an identical one is skipped)."""
    answers = insert_events(connection, derived) if derived else []
    return [
        item for item, answer in zip(derived, answers, strict=True) if answer.status == "created"
    ]


_SUCCEED = (
    "UPDATE deliveries SET state = ?, result = ?, reference = ?, emitted = ?,"
    " lease_token = NULL, lease_expires_at = NULL, next_attempt_at = NULL,"
    " finished_at = ?, updated_at = ? WHERE id = ?"
)
_CLOSE = "UPDATE attempts SET ended_at = ?, outcome = ? WHERE delivery_id = ? AND lease_token = ?"
SUCCEEDED = DeliveryState.SUCCEEDED.value


def settle_successes(connection: Connection, items: list[Success]) -> list[list[NewEvent] | None]:
    """Mark each held delivery succeeded and store what it derived; None for a lease lost.

    The statements go to the driver's cursor (`dbapi.py`): three for the
    whole group, whatever its size.
    """
    dialect = connection.dialect.name
    now = stamper(dialect)(utcnow())
    where, ids = in_list([item.delivery_id for item in items])
    query = f"SELECT id, lease_token FROM deliveries WHERE state = ? AND id IN {where}"
    if dialect != "sqlite":
        query += " FOR UPDATE"  # another process may be reclaiming these rows
    cursor = driver_cursor(connection)
    try:
        cursor.execute(for_driver(query, dialect), [DeliveryState.RUNNING.value, *ids])
        tokens = dict(cursor.fetchall())
        held = [item for item in items if tokens.get(item.delivery_id) == item.lease_token]
        if held:
            cursor.executemany(
                for_driver(_SUCCEED, dialect),
                [
                    (
                        SUCCEEDED,
                        json_text(item.result),
                        bounded_reference(item.reference),
                        json_text([event.id for event in item.derived]),
                        now,
                        now,
                        item.delivery_id,
                    )
                    for item in held
                ],
            )
            cursor.executemany(
                for_driver(_CLOSE, dialect),
                [
                    (now, Outcome.SUCCEEDED.value, item.delivery_id, item.lease_token)
                    for item in held
                ],
            )
    finally:
        cursor.close()
    kept = {id(item) for item in held}
    return [store_derived(connection, item.derived) if id(item) in kept else None for item in items]
