"""The group-committing writer on SQLite and PostgreSQL: a bad write among good ones fails alone."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from gateway.store import Store
from gateway.store.models import lookup_cache, utcnow


def _good(key: str) -> Any:
    def write(connection: Connection) -> str:
        now = utcnow()
        connection.execute(
            insert(lookup_cache).values(
                namespace="writer-test", key=key, value={"k": key}, stored_at=now, expires_at=now
            )
        )
        return key

    return write


def _bad(connection: Connection) -> None:
    connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")


async def _stored_keys(store: Store) -> set[str]:
    async with store.read() as connection:
        rows = await connection.execute(
            select(lookup_cache.c.key).where(lookup_cache.c.namespace == "writer-test")
        )
        return {row.key for row in rows}


class HeldWriter:
    """SQLite: a first write holds the writer thread, so what follows queues into one batch.

    PostgreSQL needs no hold: writes submitted in one turn of the loop are taken together.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.gate = threading.Event()
        self.holder: asyncio.Future[Any] | None = None

    async def __aenter__(self) -> HeldWriter:
        if self.store.is_sqlite:
            self.holder = asyncio.ensure_future(
                self.store.transact(lambda _connection: self.gate.wait(10))
            )
            await asyncio.sleep(0.05)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await asyncio.sleep(0.05)  # everything submitted in the block is queued now
        self.gate.set()
        if self.holder is not None:
            await self.holder


async def test_one_bad_write_in_a_batch_fails_only_its_caller(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "gateway.store")
    writes = [_good("a"), _good("b"), _bad, _good("c"), _good("d")]
    async with HeldWriter(store):
        calls = asyncio.gather(*(store.transact(w) for w in writes), return_exceptions=True)
    outcomes = await calls

    assert outcomes[:2] == ["a", "b"] and outcomes[3:] == ["c", "d"]
    assert isinstance(outcomes[2], Exception) and "no_such_table" in str(outcomes[2])
    assert await _stored_keys(store) == {"a", "b", "c", "d"}
    # they really were one batch that failed, then were run one by one
    assert "a group commit of 5 writes failed" in caplog.text


async def test_a_batch_without_a_bad_write_commits_once(store: Store) -> None:
    sizes: list[int] = []
    store.on_batch = sizes.append
    async with HeldWriter(store):
        calls = asyncio.gather(*(store.transact(_good(key)) for key in "wxyz"))
    assert await calls == list("wxyz")
    assert 4 in sizes
    assert await _stored_keys(store) == set("wxyz")


async def test_writes_after_close_are_refused_not_lost(store: Store) -> None:
    await store.transact(_good("before"))
    await store.close()
    with pytest.raises(RuntimeError):
        await asyncio.wait_for(store.transact(_good("after")), 5)


def _sync_level(connection: Connection) -> str:
    """How this transaction's commit meets the disk: SQLite's synchronous, PostgreSQL's setting."""
    if connection.dialect.name == "sqlite":
        return {0: "off", 1: "normal", 2: "full"}[
            connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
        ]
    return str(connection.exec_driver_sql("SHOW synchronous_commit").scalar_one())


async def test_claims_and_settles_alone_commit_without_waiting_for_the_disk(store: Store) -> None:
    """A power cut may lose them harmlessly (the delivery runs again); nothing else may be lost."""
    waits, relaxed = ("full", "normal") if store.is_sqlite else ("on", "off")
    assert await store.transact(_sync_level, durable=False) == relaxed
    assert await store.transact(_sync_level) == waits
    assert await store.transact(_sync_level, durable=False) == relaxed
    # one durable write makes its whole batch wait: the relaxed one shares its commit
    async with HeldWriter(store):
        calls = asyncio.gather(
            store.transact(_sync_level, durable=False), store.transact(_sync_level)
        )
    assert await calls == [waits, waits]
