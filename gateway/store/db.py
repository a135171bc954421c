"""Engines, transactions, the group-committing writer, and migrations.

Every write of the hot path (accepting events, claiming and settling
deliveries, replays, purges) is a plain function of a SQLAlchemy
`Connection`, queued to one writer, which runs everything waiting in one
transaction and commits once: group commit. A caller is answered only after
the commit that holds its write. If a batch fails, each of its writes is
run again alone, so one bad write fails only its own caller.

On SQLite the writer is a thread of its own on a synchronous engine. It
takes every write waiting in its queue, commits them together, hands the
results to the event loop in one callback and starts the next batch at
once: the loop is never a step in the writer's cycle. (Awaiting each
statement on the loop cost 2.4 ms to begin and 1 ms a statement under load;
a batch sent to an executor and back still waited for the busy loop twice
per commit.) Write transactions begin with
BEGIN IMMEDIATE, so another process on the same file waits its turn rather
than failing; readers in WAL mode never wait. On PostgreSQL the same
functions run through `AsyncConnection.run_sync`, several processes each
have their writer, and rows are claimed with FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from gateway.store.accept import Accepted, NewEvent

T = TypeVar("T")
WriteOp = Callable[[Connection], Any]
log = logging.getLogger("gateway.store")
MAX_BATCH = 512
_STOP = object()  # tells the SQLite writer thread to finish


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "gateway.store:migrations")
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        poolclass=NullPool if ":memory:" in url else None,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )
    _sqlite_pragmas(engine.sync_engine, immediate=immediate)
    return engine


def _sqlite_sync_engine(url: str) -> Engine:
    """The writer thread's engine: the same file through the standard sqlite3 driver."""
    engine = create_engine(
        url.replace("sqlite+aiosqlite://", "sqlite+pysqlite://", 1),
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=1,
        max_overflow=0,
    )
    _sqlite_pragmas(engine, immediate=True, raw_begin=True)
    return engine


def _sqlite_pragmas(engine: Engine, *, immediate: bool, raw_begin: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    statement = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if (
            raw_begin
        ):  # the writer thread's sqlite3 connection: skip SQLAlchemy's statement machinery
            connection.connection.driver_connection.execute(statement)
        else:
            connection.exec_driver_sql(statement)


class Store:
    """The database behind the gateway: one writer path and one reader path."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.write_engine = create_async_engine(
                url,
                pool_size=10,
                max_overflow=10,
                json_serializer=_json_dumps,
                json_deserializer=orjson.loads,
            )
            self.read_engine = self.write_engine
        self._sync_engine = _sqlite_sync_engine(url) if self.is_sqlite else None
        self._sync_connection: Connection | None = None
        # SQLite: a thread of its own takes writes from this queue, commits, and starts the
        # next batch at once; the event loop only hears of each commit
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # PostgreSQL: a task on the loop drains this deque into one transaction at a time
        self._pending: collections.deque[tuple[str, Any, asyncio.Future[Any]]] = collections.deque()
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        #: called with the number of writes each group commit carried (metrics)
        self.on_batch: Callable[[int], None] | None = None

    # -- the group-committing writer -------------------------------------------

    async def accept(self, items: list[NewEvent]) -> list[Accepted]:
        """Store events with their deliveries; answered after the commit."""
        return await self._submit("accept", items)

    async def transact(self, op: WriteOp) -> Any:
        """Run `op(connection)` inside the next group commit; its result after the commit."""
        return await self._submit("op", op)

    async def _submit(self, kind: str, payload: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if self._sync_engine is not None:
            if self._thread is None:
                self._loop = loop
                self._thread = threading.Thread(
                    target=self._thread_loop, name="store-writer", daemon=True
                )
                self._thread.start()
            self._queue.put((kind, payload, future))
            return await future
        if self._writer is None or self._writer.done():
            self._wakeup = asyncio.Event()
            self._writer = asyncio.create_task(self._write_loop(), name="store-writer")
        self._pending.append((kind, payload, future))
        self._wakeup.set()
        return await future

    # -- SQLite: the writer thread ---------------------------------------------

    def _thread_loop(self) -> None:
        """Take everything waiting, commit it, tell the loop, go again; until told to stop."""
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                batch = [first]
                while len(batch) < MAX_BATCH:
                    try:
                        entry = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if entry is _STOP:
                        self._queue.put(_STOP)  # finish this batch, then stop
                        break
                    batch.append(entry)
                try:
                    outcomes: list[tuple[bool, Any]] = [
                        (True, result) for result in self._run_in_thread(batch)
                    ]
                    grouped = True
                except Exception:
                    log.warning(
                        "a group commit of %d writes failed; running them one by one",
                        len(batch),
                        exc_info=True,
                    )
                    outcomes = [self._alone_in_thread(entry) for entry in batch]
                    grouped = False
                assert self._loop is not None
                self._loop.call_soon_threadsafe(self._settle, batch, outcomes, grouped)
        finally:
            self._close_in_thread()

    def _alone_in_thread(self, entry: tuple[str, Any, asyncio.Future[Any]]) -> tuple[bool, Any]:
        for attempt in (1, 2):
            try:
                (result,) = self._run_in_thread([entry])
                return True, result
            except IntegrityError as exc:  # another process stored the same event id first
                if attempt == 2:
                    return False, exc
            except Exception as exc:
                return False, exc
        raise AssertionError("unreachable")

    def _settle(
        self,
        batch: list[tuple[str, Any, asyncio.Future[Any]]],
        outcomes: list[tuple[bool, Any]],
        grouped: bool,
    ) -> None:
        if grouped and self.on_batch:
            self.on_batch(len(batch))
        for (_kind, _payload, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():
                continue  # the caller went away
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    async def _write_loop(self) -> None:
        while True:
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
            batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
            try:
                results = await self._run(batch)
            except Exception:
                log.warning(
                    "a group commit of %d writes failed; running them one by one",
                    len(batch),
                    exc_info=True,
                )
                await self._one_by_one(batch)
                continue
            if self.on_batch:
                self.on_batch(len(batch))
            for (_kind, _payload, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _run(self, batch: list[tuple[str, Any, asyncio.Future[Any]]]) -> list[Any]:
        """PostgreSQL: one transaction for the whole batch, committed before returning."""
        async with self.write_engine.begin() as connection:
            return await connection.run_sync(self._apply, batch)

    def _run_in_thread(self, batch: list[tuple[str, Any, asyncio.Future[Any]]]) -> list[Any]:
        # the writer thread keeps one connection for its life: no pool checkout,
        # and no reset-on-return ROLLBACK, per batch
        if self._sync_connection is None:
            assert self._sync_engine is not None
            self._sync_connection = self._sync_engine.connect()
        try:
            with self._sync_connection.begin():
                return self._apply(self._sync_connection, batch)
        except Exception:
            self._sync_connection.close()
            self._sync_connection = None
            raise

    def _close_in_thread(self) -> None:
        if self._sync_connection is not None:
            self._sync_connection.close()
            self._sync_connection = None

    @staticmethod
    def _apply(
        connection: Connection, batch: list[tuple[str, Any, asyncio.Future[Any]]]
    ) -> list[Any]:
        from gateway.store.accept import insert_events

        items = [item for kind, payload, _ in batch if kind == "accept" for item in payload]
        answers = iter(insert_events(connection, items) if items else [])
        results = []
        for kind, payload, _future in batch:
            if kind == "accept":
                results.append([next(answers) for _ in payload])
            else:
                results.append(payload(connection))
        return results

    async def _one_by_one(self, batch: list[tuple[str, Any, asyncio.Future[Any]]]) -> None:
        for entry in batch:
            future = entry[2]
            for attempt in (1, 2):
                try:
                    (result,) = await self._run([entry])
                    future.set_result(result)
                    break
                except IntegrityError as exc:  # another process stored the same event id first
                    if attempt == 2:
                        future.set_exception(exc)
                except Exception as exc:
                    future.set_exception(exc)
                    break

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

    async def ping(self) -> None:
        async with self.read() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            while self._pending:
                future = self._pending.popleft()[2]
                if not future.done():
                    future.set_exception(RuntimeError("the store is closing"))
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
            while True:  # anything submitted after the stop: refused, not lost silently
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is not _STOP and not entry[2].done():
                    entry[2].set_exception(RuntimeError("the store is closing"))
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


async def open_store(url: str, *, migrate: bool = True) -> Store:
    store = Store(url)
    if migrate:
        await store.migrate()
    return store
