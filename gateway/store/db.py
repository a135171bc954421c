"""The store: one writer (group commit) and one reader path over the gateway's database.

Writes go to the writer of the database in use, a thread on SQLite and a
task on PostgreSQL (`writer.py` says what they share); reads go straight to
the reader engine. Migrations run with Alembic at start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from alembic import command
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.engines import alembic_config, postgres_engine, sqlite_engine
from gateway.store.postgres_writer import PostgresTaskWriter
from gateway.store.settle import Success
from gateway.store.sqlite_writer import SQLiteThreadWriter
from gateway.store.writer import GroupWriter, WriteOp

if TYPE_CHECKING:
    from gateway.store.accept import Accepted, NewEvent


class Store:
    """The database behind the gateway: one writer path and one reader path."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.writer: GroupWriter
        if self.is_sqlite:
            self.write_engine = sqlite_engine(url, immediate=True)
            self.read_engine = sqlite_engine(url, immediate=False)
            self.writer = SQLiteThreadWriter(url, self.write_engine)
        else:
            self.write_engine = postgres_engine(url)
            self.read_engine = self.write_engine
            self.writer = PostgresTaskWriter(self.write_engine)

    @property
    def on_batch(self) -> Callable[[int], None] | None:
        """Called with the number of writes each group commit carried (metrics)."""
        return self.writer.on_batch

    @on_batch.setter
    def on_batch(self, callback: Callable[[int], None] | None) -> None:
        self.writer.on_batch = callback

    async def accept(self, items: list[NewEvent]) -> list[Accepted]:
        """Store events with their deliveries; answered after the commit."""
        result: list[Accepted] = await self.writer.submit("accept", items)
        return result

    async def settle(self, success: Success) -> list[NewEvent] | None:
        """Record a successful attempt in the next group commit; None when its lease was lost.

        Not `durable`: losing it in a power cut only repeats an idempotent call (`writer.py`).
        """
        return await self.writer.submit("settle", success, durable=False)

    async def transact(self, op: WriteOp, *, durable: bool = True) -> Any:
        """Run `op(connection)` inside the next group commit; its result after the commit.

        `durable=False` is for writes that a power cut may lose harmlessly (claims, settles).
        """
        return await self.writer.submit("op", op, durable=durable)

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction outside the writer (migrations, tests).

        On SQLite it begins with BEGIN IMMEDIATE, so it waits its turn against the writer thread.
        """
        async with self.write_engine.begin() as connection:
            yield connection

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.read_engine.connect() as connection:
            yield connection

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""

        def upgrade(sync_connection: Any) -> None:
            config = alembic_config()
            config.attributes["connection"] = sync_connection
            command.upgrade(config, "head")

        async with self.write() as connection:
            await connection.run_sync(upgrade)

    async def writable(self) -> None:
        """A round through the writer: what accepting an event needs (a read alone is not)."""
        await self.transact(lambda connection: connection.exec_driver_sql("SELECT 1"))

    async def close(self) -> None:
        await self.writer.close()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


async def open_store(url: str, *, migrate: bool = True) -> Store:
    store = Store(url)
    if migrate:
        await store.migrate()
    return store
