"""SQLite's writer: a thread of its own that takes every write waiting, commits, and goes again.

The event loop is never a step in the writer's cycle: it only hears of each
commit, in one callback per batch. (Awaiting each statement on the loop cost
2.4 ms to begin and 1 ms a statement under load; a batch sent to an executor
and back still waited for the busy loop twice per commit.) The thread keeps
one connection for its life: no pool checkout, and no reset-on-return
ROLLBACK, per batch.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.engines import sqlite_thread_engine
from gateway.store.writer import MAX_BATCH, GroupWriter, Write, apply_batch, must_reach_disk

_STOP = object()  # tells the thread to finish the batch it has and end


class SQLiteThreadWriter(GroupWriter):
    def __init__(self, url: str, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._thread_engine = sqlite_thread_engine(url)
        self._connection: Connection | None = None
        #: the connection's PRAGMA synchronous is FULL (as every connection opens), else NORMAL
        self._full_sync = True
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _enqueue(self, write: Write) -> None:
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.Thread(target=self._work, name="store-writer", daemon=True)
            self._thread.start()
        self._queue.put(write)

    def _work(self) -> None:
        """Take everything waiting, commit it, tell the loop, go again; until told to stop."""
        assert self._loop is not None
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
                    results = self._commit(batch)
                except Exception as exc:
                    self._loop.call_soon_threadsafe(self._fall_back, batch, exc)
                else:
                    self._loop.call_soon_threadsafe(self._committed, batch, results)
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _commit(self, batch: list[Write]) -> list[Any]:
        if self._connection is None:
            self._connection = self._thread_engine.connect()
            self._full_sync = True
        durable = must_reach_disk(batch)
        if durable != self._full_sync:
            # WAL with NORMAL: the commit is not flushed until a later FULL one (or a
            # checkpoint) flushes the log, which holds every commit before it, in order
            level = "FULL" if durable else "NORMAL"
            sqlite = self._connection.connection.driver_connection
            assert sqlite is not None, "a connection checked out has its sqlite3 connection"
            sqlite.execute(f"PRAGMA synchronous={level}")
            self._full_sync = durable
        try:
            with self._connection.begin():
                return apply_batch(self._connection, batch)
        except Exception:
            self._connection.close()
            self._connection = None
            raise

    async def close(self) -> None:
        self.closed = True
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._thread = None
            await asyncio.sleep(0)  # let the thread's last callbacks (answers, fallbacks) run
            while True:  # anything submitted after the stop: refused, not lost silently
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is not _STOP:
                    self._refuse(entry)
        await self._wait_for_fallbacks()
        self._thread_engine.dispose()
