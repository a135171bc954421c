"""Storing events with their deliveries, many per transaction (group commit).

Each item is answered on its own: created, a duplicate of an identical event
(the original deliveries are returned, as the portal expects from an
idempotent retry), or a conflict (same id, other body).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
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
        await connection.execute(
            insert(events),
            [
                {
                    "id": item.id,
                    "type": item.type,
                    "source": item.source,
                    "subject": item.subject,
                    "received_at": item.received_at,
                    "body_hash": item.body_hash,
                    "envelope": item.envelope,
                    "cause_id": item.cause_id,
                }
                for item in fresh
            ],
        )
        rows = [
            {
                "event_id": item.id,
                "plugin": plugin,
                "state": "pending",
                "attempts": 0,
                "failures": 0,
                "next_attempt_at": item.received_at,
                "created_at": item.received_at,
                "updated_at": item.received_at,
            }
            for item in fresh
            for plugin in item.plugins
        ]
        if rows:
            await connection.execute(insert(deliveries), rows)

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
    """One transaction for the whole batch; a race with another process is retried once."""
    for attempt in (1, 2):
        try:
            async with store.write() as connection:
                return await insert_events(connection, items)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
