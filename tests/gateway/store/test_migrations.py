"""Alembic migrations go up and down cleanly on both databases, and match the models."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from gateway.store import Store
from gateway.store.db import alembic_config
from gateway.store.models import metadata


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
