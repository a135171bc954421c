"""Group commit for intake: every request waiting while a commit runs shares the next one.

No request waits for a timer: a lone request commits at once, and under load
each transaction carries as many events as arrived during the previous one.
Each request still gets its 202 only after its own event is committed.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.metrics import Metrics
from gateway.store import Store
from gateway.store.accept import Accepted, NewEvent, accept_events

log = logging.getLogger("gateway.intake")


class IntakeBatcher:
    def __init__(self, store: Store, metrics: Metrics, max_batch: int = 256) -> None:
        self._store = store
        self._metrics = metrics
        self._max = max_batch
        self._queue: asyncio.Queue[tuple[NewEvent, asyncio.Future[Accepted]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="intake-batcher")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        while not self._queue.empty():
            _item, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("gateway is stopping"))

    async def submit(self, item: NewEvent) -> Accepted:
        future: asyncio.Future[Accepted] = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                answers = await accept_events(self._store, [item for item, _ in batch])
            except Exception as exc:
                log.exception("intake commit of %d events failed", len(batch))
                for _item, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self._metrics.intake_batch.observe(len(batch))
            for (_item, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
