"""The console's lists of what needs a person: dead letters grouped by backend and error,
and deliveries in doubt with what to look for in the backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal_column, select

from gateway.attempts import hint_cause
from gateway.states import Outcome
from gateway.store import Store
from gateway.store.models import deliveries, events

#: errors are grouped by their first characters: the same failure of many events
#: differs only in its tail (an id, a time)
GROUP_PREFIX = 80


def _dead(scope: Any) -> list[Any]:
    found = [deliveries.c.state == literal_column("'dead'")]
    if scope is not None:
        found.append(scope)
    return found


async def dead_groups(store: Store, scope: Any) -> list[dict[str, Any]]:
    prefix = func.substr(func.coalesce(deliveries.c.last_error, ""), 1, GROUP_PREFIX).label("error")
    query = (
        select(
            deliveries.c.plugin,
            deliveries.c.last_error_kind,
            prefix,
            func.count().label("count"),
            func.max(deliveries.c.finished_at).label("latest"),
        )
        .join(events, events.c.id == deliveries.c.event_id)
        .where(*_dead(scope))
        .where(deliveries.c.last_error_kind.is_distinct_from(Outcome.OUTCOME_UNKNOWN))
        .group_by(deliveries.c.plugin, deliveries.c.last_error_kind, prefix)
        .order_by(func.count().desc(), deliveries.c.plugin)
        .limit(200)
    )
    async with store.read() as connection:
        rows = (await connection.execute(query)).all()
    return [
        {
            "plugin": row.plugin,
            "error_kind": row.last_error_kind or "",
            "error": row.error,
            "count": row.count,
            "latest": row.latest,
        }
        for row in rows
    ]


async def in_doubt(store: Store, scope: Any, limit: int = 100) -> list[dict[str, Any]]:
    query = (
        select(
            deliveries.c.event_id,
            deliveries.c.plugin,
            deliveries.c.last_error,
            deliveries.c.finished_at,
            deliveries.c.result,
            events.c.type,
            events.c.subject,
        )
        .join(events, events.c.id == deliveries.c.event_id)
        .where(*_dead(scope))
        .where(deliveries.c.last_error_kind == Outcome.OUTCOME_UNKNOWN)
        .order_by(deliveries.c.finished_at.asc())
        .limit(limit)
    )
    async with store.read() as connection:
        rows = (await connection.execute(query)).all()
    return [
        {
            "event_id": row.event_id,
            "plugin": row.plugin,
            "type": row.type,
            "subject": row.subject,
            "look_for": hint_cause(row.last_error or ""),
            "since": row.finished_at,
        }
        for row in rows
    ]
