"""PostgreSQL's writer: a task on the event loop that drains what waits into one transaction.

asyncpg is asynchronous already, so a task suffices: while one batch
commits, the next gathers. Several gateway processes each have their own
writer; rows are claimed with FOR UPDATE SKIP LOCKED (`leases.py`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.writer import MAX_BATCH, GroupWriter, Write, must_reach_disk


class PostgresTaskWriter(GroupWriter):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._pending: collections.deque[Write] = collections.deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _enqueue(self, write: Write) -> None:
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = asyncio.create_task(self._work(), name="store-writer")
        self._pending.append(write)
        self._wakeup.set()

    async def _work(self) -> None:
        while True:
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
            batch = [self._pending.popleft() for _ in range(min(MAX_BATCH, len(self._pending)))]
            try:
                results = await self._run(batch, relaxed=not must_reach_disk(batch))
            except Exception as exc:
                await self._one_by_one(batch, exc)
            else:
                self._committed(batch, results)

    async def close(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while self._pending:
            self._refuse(self._pending.popleft())
        await self._wait_for_fallbacks()
