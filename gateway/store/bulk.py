"""Repair in bulk: the dead letters a filter selects, counted first, then replayed or dismissed.

Operators asked for "select all matching" (River UI) and batch retries
(Convoy). A call without `expect_count` is a dry run that answers the count;
with it, the action runs only if the filter still selects exactly that many,
so a list that changed under the operator's eyes is never acted on blindly.
One transaction: all of them move, or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, literal_column, select, update
from sqlalchemy.engine import Connection

from gateway.states import DeliveryState, Outcome
from gateway.store.db import Store
from gateway.store.models import attempts, deliveries, events, utcnow
from gateway.store.repair import requeued

MAX_BULK = 10_000
_CHUNK = 500  # ids per statement: well under every database's parameter limit


class TooMany(Exception):
    """The filter selects more than MAX_BULK: narrow it."""


class CountChanged(Exception):
    """The filter no longer selects `expect_count` deliveries; nothing was done."""

    def __init__(self, found: int) -> None:
        super().__init__(found)
        self.found = found


@dataclass(frozen=True)
class DeadFilter:
    """Which dead letters: every field given narrows; none given is every dead letter."""

    plugin: str | None = None
    event_type: str | None = None
    error_kind: str | None = None
    error_contains: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: an SQL condition over events (departments); None: no narrowing
    scope: Any = None

    def clause(self, *, replayable: bool) -> Any:
        # a literal, so SQLite and PostgreSQL use the partial index ix_deliveries_dead
        found = [deliveries.c.state == literal_column("'dead'")]
        if replayable:  # in doubt: settled by confirm or release, never by a replay
            found.append(deliveries.c.last_error_kind.is_distinct_from(Outcome.OUTCOME_UNKNOWN))
        if self.plugin:
            found.append(deliveries.c.plugin == self.plugin)
        if self.event_type:
            found.append(events.c.type == self.event_type)
        if self.error_kind:
            found.append(deliveries.c.last_error_kind == self.error_kind)
        if self.error_contains:
            found.append(deliveries.c.last_error.contains(self.error_contains, autoescape=True))
        if self.since:
            found.append(events.c.received_at >= self.since)
        if self.until:
            found.append(events.c.received_at < self.until)
        if self.scope is not None:
            found.append(self.scope)
        return and_(*found)


def _matching(connection: Connection, where: Any) -> list[tuple[int, str]]:
    rows = connection.execute(
        select(deliveries.c.id, deliveries.c.plugin)
        .join(events, events.c.id == deliveries.c.event_id)
        .where(where)
        .limit(MAX_BULK + 1)
    ).all()
    if len(rows) > MAX_BULK:
        raise TooMany(f"the filter selects more than {MAX_BULK}; narrow it")
    return [(row.id, row.plugin) for row in rows]


async def count(store: Store, chosen: DeadFilter, *, replayable: bool) -> int:
    """How many dead letters the filter selects; TooMany past MAX_BULK (a count, no rows read)."""
    query = (
        select(func.count())
        .select_from(deliveries.join(events, events.c.id == deliveries.c.event_id))
        .where(chosen.clause(replayable=replayable))
    )
    async with store.read() as connection:
        found = int((await connection.execute(query)).scalar_one())
    if found > MAX_BULK:
        raise TooMany(f"the filter selects more than {MAX_BULK}; narrow it")
    return found


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


async def replay(store: Store, chosen: DeadFilter, expect_count: int) -> list[str]:
    """Requeue every matching dead letter now; the plugins to wake. CountChanged if the count moved."""
    now = utcnow()

    def act(connection: Connection) -> list[str]:
        found = _matching(connection, chosen.clause(replayable=True))
        if len(found) != expect_count:
            raise CountChanged(len(found))
        for ids in _chunks([delivery_id for delivery_id, _ in found]):
            connection.execute(
                update(deliveries).where(deliveries.c.id.in_(ids)).values(**requeued(now))
            )
        return sorted({plugin for _, plugin in found})

    plugins: list[str] = await store.transact(act)
    return plugins


async def dismiss(store: Store, chosen: DeadFilter, expect_count: int, reason: str, by: str) -> int:
    """Take every matching dead letter off the list for good, its history kept and the reason in it."""
    now = utcnow()

    def act(connection: Connection) -> int:
        found = _matching(connection, chosen.clause(replayable=False))
        if len(found) != expect_count:
            raise CountChanged(len(found))
        for ids in _chunks([delivery_id for delivery_id, _ in found]):
            numbers = connection.execute(
                select(deliveries.c.id, deliveries.c.attempts).where(deliveries.c.id.in_(ids))
            ).all()
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(ids))
                .values(state=DeliveryState.DISMISSED, updated_at=now)
            )
            connection.execute(
                insert(attempts),
                [
                    {
                        "delivery_id": row.id,
                        "number": row.attempts,
                        "worker": by,
                        "lease_token": "operator",
                        "started_at": now,
                        "ended_at": now,
                        "outcome": Outcome.DISMISSED_BY_OPERATOR,
                        "error_message": f"dismissed by {by}: {reason}",
                    }
                    for row in numbers
                ],
            )
        return len(found)

    dismissed: int = await store.transact(act)
    return dismissed
