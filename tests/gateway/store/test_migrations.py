"""Alembic migrations go up and down cleanly on both databases, and match the models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, inspect, select

from gateway.store import Store
from gateway.store.cache import Cache
from gateway.store.engines import alembic_config
from gateway.store.models import UTCDateTime, deliveries, events, metadata, utcnow
from gateway.store.send_records import SendRecordTable


async def test_head_matches_the_models(store: Store) -> None:
    def diff(connection: Any) -> list[Any]:
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with store.write() as connection:
        assert await connection.run_sync(diff) == []


async def test_down_to_base_and_up_again(store: Store) -> None:
    def run(connection: Any, revision: str, direction: str) -> list[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if direction == "down" else command.upgrade)(config, revision)
        return sorted(inspect(connection).get_table_names())

    async with store.write() as connection:
        assert "events" not in await connection.run_sync(run, "base", "down")
    async with store.write() as connection:
        assert {"events", "deliveries", "attempts"} <= set(
            await connection.run_sync(run, "head", "up")
        )
    await store.migrate()  # idempotent


async def test_send_records_move_out_of_the_cache_on_upgrade(store: Store) -> None:
    """A `sending` record lost in an upgrade would let the next attempt send a second time."""

    def to(connection: Any, revision: str, direction: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if direction == "down" else command.upgrade)(config, revision)

    async with store.write() as connection:
        await connection.run_sync(to, "0003", "down")
    now = utcnow()
    later = now + timedelta(days=7)
    old_cache = Table(
        "lookup_cache",
        MetaData(),
        Column("namespace", String),
        Column("key", String),
        Column("value", JSON),
        Column("stored_at", UTCDateTime()),
        Column("expires_at", UTCDateTime()),
    )
    rows = [
        ("protocol", "evt-1:protocol", {"state": "sending", "at": now.isoformat()}),
        ("email", "evt-2:ab12", {"state": "done", "at": now.isoformat(), "reply": "250 Ok"}),
        ("taxis", "123456789", {"name": "ΑΛΦΑ ΙΚΕ", "state": "active"}),  # an answer, not a send
    ]
    async with store.write() as connection:
        for namespace, key, value in rows:
            await connection.execute(
                old_cache.insert().values(
                    namespace=namespace, key=key, value=value, stored_at=now, expires_at=later
                )
            )
    async with store.write() as connection:
        await connection.run_sync(to, "head", "up")

    sending = await SendRecordTable(store, "protocol").get("evt-1:protocol")
    assert sending is not None and sending["state"] == "sending"
    done = await SendRecordTable(store, "email").get("evt-2:ab12")
    assert done is not None and (done["state"], done["reply"]) == ("done", "250 Ok")
    assert await Cache(store, "taxis").get("123456789") == rows[2][2]
    assert await Cache(store, "protocol").get("evt-1:protocol") is None


async def test_events_stored_before_0007_are_found_by_afm_and_protocol_number_after_upgrade(
    store: Store,
) -> None:
    def to(connection: Any, revision: str, direction: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if direction == "down" else command.upgrade)(config, revision)

    async with store.write() as connection:
        await connection.run_sync(to, "0006", "down")
    old_events = Table(
        "events",
        MetaData(),
        Column("id", String),
        Column("type", String),
        Column("source", String),
        Column("received_at", UTCDateTime()),
        Column("body_hash", String),
        Column("envelope", JSON),
    )
    envelopes = {
        "evt-citizen": {"data": {"citizen": {"afm": "EL090000045"}}},
        "evt-business": {"data": {"afm": "123456783"}},
        "evt-none": {"data": {"amount": 1}},
    }
    async with store.write() as connection:
        for event_id, envelope in envelopes.items():
            await connection.execute(
                old_events.insert().values(
                    id=event_id,
                    type="request.submitted",
                    source="/portal",
                    received_at=utcnow(),
                    body_hash="0" * 64,
                    envelope=envelope,
                )
            )
    old_deliveries = Table(
        "deliveries",
        MetaData(),
        Column("event_id", String),
        Column("plugin", String),
        Column("state", String),
        Column("attempts", Integer),
        Column("failures", Integer),
        Column("result", JSON),
        Column("created_at", UTCDateTime()),
        Column("updated_at", UTCDateTime()),
    )
    results = {
        "protocol": {"protocol_number": "12/2026", "protocol_date": "2026-12-06"},
        "genesis": {"receipt_number": "R-77"},
        "webhook": {"status": 204},
    }
    async with store.write() as connection:
        for plugin, result in results.items():
            await connection.execute(
                old_deliveries.insert().values(
                    event_id="evt-citizen",
                    plugin=plugin,
                    state="succeeded",
                    attempts=1,
                    failures=0,
                    result=result,
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
            )
    async with store.write() as connection:
        await connection.run_sync(to, "head", "up")
    async with store.read() as connection:
        references = dict(
            (await connection.execute(select(deliveries.c.plugin, deliveries.c.reference))).all()
        )
    assert references == {"protocol": "12/2026", "genesis": "R-77", "webhook": None}
    async with store.read() as connection:
        found = dict(
            (
                await connection.execute(select(events.c.id, events.c.afm).order_by(events.c.id))
            ).all()
        )
    assert found == {"evt-business": "123456783", "evt-citizen": "090000045", "evt-none": None}
