"""The audit log: who did what to which event, allowed or refused, in a chain that shows tampering.

Each entry carries the SHA-256 of the entry before it and of its own content
(X-Road's security server keeps such a log, failed actions included). Appends
are serialised: one writer thread on SQLite, a transaction-scoped advisory
lock on PostgreSQL, so two processes never fork the chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from gateway.store.db import Store
from gateway.store.models import audit_log, utcnow

GENESIS = "0" * 64
_LOCK = 724_011  # the advisory lock that serialises appends on PostgreSQL


@dataclass(frozen=True)
class Entry:
    actor: str
    role: str
    action: str
    targets: dict[str, Any]
    outcome: str  # done | refused | failed
    reason: str | None = None
    request_id: str | None = None


def _content(at: datetime, entry: Entry) -> bytes:
    return orjson.dumps(
        {
            "at": at.isoformat(),
            "actor": entry.actor,
            "role": entry.role,
            "action": entry.action,
            "targets": entry.targets,
            "reason": entry.reason,
            "outcome": entry.outcome,
            "request_id": entry.request_id,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def chained(prev_hash: str, at: datetime, entry: Entry) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _content(at, entry)).hexdigest()


async def record(store: Store, entry: Entry) -> None:
    """Append one entry (durable when this returns)."""
    at = utcnow()

    def append(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        last = connection.execute(
            select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        prev = last.hash if last is not None else GENESIS
        connection.execute(
            insert(audit_log).values(
                at=at,
                actor=entry.actor,
                role=entry.role,
                action=entry.action,
                targets=entry.targets,
                reason=entry.reason,
                outcome=entry.outcome,
                request_id=entry.request_id,
                prev_hash=prev,
                hash=chained(prev, at, entry),
            )
        )

    await store.transact(append)


def _entry(row: Any) -> Entry:
    return Entry(
        row.actor, row.role, row.action, row.targets, row.outcome, row.reason, row.request_id
    )


async def verify(store: Store) -> tuple[int, int | None, str]:
    """(entries checked, seq of the first broken entry or None, why)."""
    prev = GENESIS
    checked = 0
    async with store.read() as connection:
        result = await connection.stream(select(audit_log).order_by(audit_log.c.seq))
        async for row in result:
            if row.prev_hash != prev:
                return checked, row.seq, "its link to the entry before it is broken"
            if chained(prev, row.at, _entry(row)) != row.hash:
                return checked, row.seq, "its content does not match its hash: it was changed"
            prev = row.hash
            checked += 1
    return checked, None, "the chain is whole"


async def entries(
    store: Store,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    if since:
        query = query.where(audit_log.c.at >= since)
    if until:
        query = query.where(audit_log.c.at < until)
    async with store.read() as connection:
        rows = (await connection.execute(query)).all()
    return [
        {
            "seq": row.seq,
            "at": row.at.isoformat().replace("+00:00", "Z"),
            "actor": row.actor,
            "role": row.role,
            "action": row.action,
            "targets": row.targets,
            "reason": row.reason,
            "outcome": row.outcome,
            "request_id": row.request_id,
            "hash": row.hash,
        }
        for row in rows
    ]
