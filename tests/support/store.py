"""Failures made in the database itself, through the store's public API: no private method patched."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from gateway.store import Store, open_store
from gateway.store.accept import NewEvent
from gateway.store.models import utcnow

_SQLITE = (
    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
)
_POSTGRES = (
    "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'disk I/O error'; END $$",
    "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION refuse_{table}()",
)


@contextlib.asynccontextmanager
async def refusing_inserts(store: Store, table: str) -> AsyncIterator[None]:
    """Inside the block every INSERT into `table` fails, as a broken disk or database would."""
    create = _SQLITE if store.is_sqlite else _POSTGRES
    async with store.write() as connection:
        for statement in create:
            await connection.exec_driver_sql(statement.format(table=table))
    try:
        yield
    finally:
        async with store.write() as connection:
            await connection.exec_driver_sql(
                f"DROP TRIGGER refuse_{table}" + ("" if store.is_sqlite else f" ON {table}")
            )
            if not store.is_sqlite:
                await connection.exec_driver_sql(f"DROP FUNCTION refuse_{table}()")


def new_event(
    event_id: str, plugins: list[str], *, body_hash: str = "h", received_offset: float = 0
) -> NewEvent:
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": "/portal",
        "type": "request.submitted",
        "data": {"n": 1},
    }
    return NewEvent(
        id=event_id,
        type="request.submitted",
        source="/portal",
        subject=f"request/{event_id}",
        body_hash=body_hash,
        envelope=envelope,
        plugins=plugins,
        received_at=utcnow() + timedelta(seconds=received_offset),
    )


async def store_as_is(app, event: dict, plugins: list[str]) -> None:  # type: ignore[no-untyped-def]
    """An event stored without intake's checks (one stored before them, or derived), then dispatched."""
    import json

    from gateway import appkeys
    from gateway.events import stored_event

    await app[appkeys.STORE].accept(
        [stored_event(event, plugins, utcnow(), envelope_json=json.dumps(event))]
    )
    app[appkeys.DISPATCHER].notify(plugins)


async def reset_postgres(url: str) -> None:
    """Every table of the gateway emptied (the test database, or a benchmark's)."""
    store = await open_store(url)
    async with store.write() as connection:
        await connection.exec_driver_sql(
            "TRUNCATE attempts, deliveries, events, lookup_cache, send_log, plugin_pauses, audit_log, job_runs "
            "RESTART IDENTITY CASCADE"
        )
    await store.close()
