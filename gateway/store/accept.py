"""Storing events with their deliveries, many per transaction (group commit).

Each item is answered on its own: created, a duplicate of an identical event
(the original deliveries are returned, as the portal expects from an
idempotent retry), or a conflict (same id, other body).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.db import Store
from gateway.store.models import deliveries, events


@dataclass(frozen=True)
class NewEvent:
    id: str
    type: str
    source: str
    subject: str | None
    body_hash: str
    envelope: dict[str, Any]
    plugins: list[str]
    received_at: datetime
    cause_id: str | None = None


@dataclass(frozen=True)
class Accepted:
    status: Literal["created", "duplicate", "conflict"]
    plugins: list[str] = field(default_factory=list)


_EVENT_COLUMNS = (
    "id",
    "type",
    "source",
    "subject",
    "received_at",
    "body_hash",
    "envelope",
    "cause_id",
)
_DELIVERY_COLUMNS = (
    "event_id",
    "plugin",
    "state",
    "attempts",
    "failures",
    "next_attempt_at",
    "created_at",
    "updated_at",
)


def _statement(table: str, columns: tuple[str, ...], dialect: str) -> str:
    marks = ", ".join("?" if dialect == "sqlite" else f"${n}" for n in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


async def _insert_rows(connection: AsyncConnection, fresh: list[NewEvent]) -> None:
    """The hottest statements in the product, sent as plain DBAPI executemany.

    SQLAlchemy's per-row compilation and type processing cost more than the
    insert itself at intake rates, so the rows are built here, in the exact
    form the column types would produce: UTC times (naive text on SQLite) and
    JSON text.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":

        def stamp(value: datetime) -> Any:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    else:

        def stamp(value: datetime) -> Any:
            return value.astimezone(UTC)

    event_rows = []
    delivery_rows = []
    for item in fresh:
        when = stamp(item.received_at)
        event_rows.append(
            (
                item.id,
                item.type,
                item.source,
                item.subject,
                when,
                item.body_hash,
                orjson.dumps(item.envelope).decode(),
                item.cause_id,
            )
        )
        delivery_rows.extend(
            (item.id, plugin, "pending", 0, 0, when, when, when) for plugin in item.plugins
        )
    await connection.exec_driver_sql(_statement("events", _EVENT_COLUMNS, dialect), event_rows)
    if delivery_rows:
        await connection.exec_driver_sql(
            _statement("deliveries", _DELIVERY_COLUMNS, dialect), delivery_rows
        )


async def insert_events(connection: AsyncConnection, items: list[NewEvent]) -> list[Accepted]:
    """Insert what is new inside the caller's transaction; judge the rest."""
    ids = list({item.id for item in items})
    known: dict[str, str] = {}
    for chunk in range(0, len(ids), 500):
        rows = await connection.execute(
            select(events.c.id, events.c.body_hash).where(events.c.id.in_(ids[chunk : chunk + 500]))
        )
        known.update({row.id: row.body_hash for row in rows})

    answers: list[Accepted | None] = []
    fresh: list[NewEvent] = []
    for item in items:
        if item.id in known:
            answers.append(
                Accepted("duplicate") if known[item.id] == item.body_hash else Accepted("conflict")
            )
            continue
        known[item.id] = item.body_hash
        fresh.append(item)
        answers.append(Accepted("created", list(item.plugins)))

    if fresh:
        await _insert_rows(connection, fresh)

    duplicates = [
        item.id
        for item, answer in zip(items, answers, strict=True)
        if answer and answer.status == "duplicate"
    ]
    if duplicates:
        original: dict[str, list[str]] = {}
        rows = await connection.execute(
            select(deliveries.c.event_id, deliveries.c.plugin)
            .where(deliveries.c.event_id.in_(duplicates))
            .order_by(deliveries.c.id)
        )
        for row in rows:
            original.setdefault(row.event_id, []).append(row.plugin)
        answers = [
            Accepted("duplicate", original.get(item.id, [])) if a and a.status == "duplicate" else a
            for item, a in zip(items, answers, strict=True)
        ]
    return [a for a in answers if a is not None]


async def accept_events(store: Store, items: list[NewEvent]) -> list[Accepted]:
    """Store a batch through the store's group-committing writer."""
    return await store.accept(items)
