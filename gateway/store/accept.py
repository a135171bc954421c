"""Storing events with their deliveries, many per transaction (group commit).

Each item is answered on its own: created, a duplicate of an identical event
(the original deliveries are returned, as the portal expects from an
idempotent retry), or a conflict (same id, other body).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy.engine import Connection

from gateway.domain.afm import normalize_afm
from gateway.states import DeliveryState
from gateway.store.dbapi import for_driver, in_list, stamper

#: a plain str: the rows go straight to the DBAPI cursor
PENDING = DeliveryState.PENDING.value


@dataclass(frozen=True, slots=True)
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
    #: the envelope as JSON text when the caller already has it (intake: the body it read)
    envelope_json: str | None = None
    #: the W3C trace context its deliveries continue
    traceparent: str | None = None


@dataclass(frozen=True, slots=True)
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
    "afm",
    "traceparent",
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


def citizen_afm(envelope: dict[str, Any]) -> str | None:
    """The ΑΦΜ an event is about (its citizen's, else its own), as the console searches it."""
    data = envelope.get("data")
    if not isinstance(data, dict):
        return None
    citizen = data.get("citizen")
    found = citizen.get("afm") if isinstance(citizen, dict) else None
    found = found if isinstance(found, str) else data.get("afm")
    return normalize_afm(found)[:16] if isinstance(found, str) else None


def _insert_sql(table: str, columns: tuple[str, ...], dialect: str) -> str:
    marks = ", ".join("?" * len(columns))
    return for_driver(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", dialect)


def insert_events(connection: Connection, items: list[NewEvent]) -> list[Accepted]:
    """Insert what is new inside the caller's transaction; judge the rest.

    The hottest statements in the product go straight to the DBAPI cursor:
    at intake rates SQLAlchemy's per-row parameter handling cost more than
    SQLite's own work (measured: 40 µs an event against 22 µs). Rows are built
    here in the exact form the column types produce: UTC times (naive text on
    SQLite) and JSON text.
    """
    dialect = connection.dialect.name
    cursor = connection.connection.cursor()
    try:
        known: dict[str, str] = {}
        ids = list({item.id for item in items})
        for start in range(0, len(ids), 512):
            where, chunk = in_list(ids[start : start + 512])
            cursor.execute(
                for_driver(f"SELECT id, body_hash FROM events WHERE id IN {where}", dialect), chunk
            )
            known.update({row[0]: row[1] for row in cursor.fetchall()})

        answers: list[Accepted] = []
        fresh: list[NewEvent] = []
        duplicates: list[str] = []
        for item in items:
            if item.id in known:
                if known[item.id] == item.body_hash:
                    duplicates.append(item.id)
                    answers.append(Accepted("duplicate"))
                else:
                    answers.append(Accepted("conflict"))
                continue
            known[item.id] = item.body_hash
            fresh.append(item)
            answers.append(Accepted("created", list(item.plugins)))

        if fresh:
            stamp = stamper(dialect)
            event_rows = []
            delivery_rows: list[tuple[Any, ...]] = []
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
                        item.envelope_json or orjson.dumps(item.envelope).decode(),
                        item.cause_id,
                        citizen_afm(item.envelope),
                        item.traceparent,
                    )
                )
                delivery_rows.extend(
                    (item.id, plugin, PENDING, 0, 0, when, when, when) for plugin in item.plugins
                )
            cursor.executemany(_insert_sql("events", _EVENT_COLUMNS, dialect), event_rows)
            if delivery_rows:
                cursor.executemany(
                    _insert_sql("deliveries", _DELIVERY_COLUMNS, dialect), delivery_rows
                )

        if duplicates:
            original: dict[str, list[str]] = {}
            where, listed = in_list(duplicates)
            cursor.execute(
                for_driver(
                    f"SELECT event_id, plugin FROM deliveries WHERE event_id IN {where} ORDER BY id",
                    dialect,
                ),
                listed,
            )
            for event_id, plugin in cursor.fetchall():
                original.setdefault(event_id, []).append(plugin)
            answers = [
                Accepted("duplicate", original.get(item.id, []))
                if answer.status == "duplicate"
                else answer
                for item, answer in zip(items, answers, strict=True)
            ]
        return answers
    finally:
        cursor.close()
