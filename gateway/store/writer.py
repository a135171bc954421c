"""The group-committing writer: every write waiting runs in one transaction, one commit.

Every write of the hot path (accepting events, claiming and settling
deliveries, replays, purges) is a plain function of a SQLAlchemy
`Connection`, handed to the one writer of the process. A caller is answered
only after the commit that holds its write. There is one writer class per
database (`sqlite_writer.py`, `postgres_writer.py`); what they share is here,
written once: what a batch does, and what happens when it fails. Then each
of its writes is run again alone, in a transaction of its own, so one bad
write fails only its own caller and the others commit.

A write says whether its commit must reach the disk before its caller
hears of it. Accepting an event must: the 202 promises the event is kept.
Claims and settles need not: a power cut that loses one only makes a
delivery run again, which the backend's idempotency reference already makes
harmless (the same happens when the power goes between a backend's answer
and its settle). A batch of such writes alone commits without waiting for
the disk, and the next durable commit carries it there; at 1,000 deliveries
a second, the disk's flush was a third of the writer's time.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.accept import insert_events
from gateway.store.settle import settle_successes

WriteOp = Callable[[Connection], Any]
MAX_BATCH = 512
#: a write run alone meets an IntegrityError when another process stored the same event id
#: first; its second run sees that row and answers "duplicate" or "conflict"
ALONE_TRIES = 2
log = logging.getLogger("gateway.store")


@dataclass(slots=True)
class Write:
    """One caller's write: events to accept, or an op; answered through its future."""

    kind: Literal["accept", "settle", "op"]
    payload: Any
    future: asyncio.Future[Any]
    #: its commit must be on disk before it is answered (see the module's docstring)
    durable: bool = True


def must_reach_disk(batch: list[Write]) -> bool:
    """A batch waits for the disk when any of its writes must."""
    return any(write.durable for write in batch)


def apply_batch(connection: Connection, batch: list[Write]) -> list[Any]:
    """Run a batch inside the caller's transaction.

    The events of every accept go in one insert and every success in one
    settle (see `settle.py`); other writes run in the order they came.
    """
    items = [item for write in batch if write.kind == "accept" for item in write.payload]
    answers = iter(insert_events(connection, items) if items else [])
    successes = [write.payload for write in batch if write.kind == "settle"]
    settled = iter(settle_successes(connection, successes) if successes else [])
    results: list[Any] = []
    for write in batch:
        if write.kind == "accept":
            results.append([next(answers) for _ in write.payload])
        elif write.kind == "settle":
            results.append(next(settled))
        else:
            results.append(write.payload(connection))
    return results


class GroupWriter(ABC):
    """What the SQLite thread and the PostgreSQL task share: submitting, answering, falling back."""

    def __init__(self, engine: AsyncEngine) -> None:
        #: runs a transaction on the event loop: the fallback's writes alone (and PostgreSQL's batches)
        self._engine = engine
        self._fallbacks: set[asyncio.Task[None]] = set()
        self.closed = False
        #: called with the number of writes each group commit carried (metrics)
        self.on_batch: Callable[[int], None] | None = None

    async def submit(
        self, kind: Literal["accept", "settle", "op"], payload: Any, *, durable: bool = True
    ) -> Any:
        if self.closed:
            raise RuntimeError("the store is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._enqueue(Write(kind, payload, future, durable))
        return await future

    @abstractmethod
    def _enqueue(self, write: Write) -> None:
        """Hand the write to whatever commits it; called on the event loop."""

    @abstractmethod
    async def close(self) -> None:
        """Commit or refuse what waits, and stop; nothing submitted is left unanswered."""

    def _committed(self, batch: list[Write], results: list[Any]) -> None:
        """On the loop: answer every caller of a committed batch."""
        if self.on_batch:
            self.on_batch(len(batch))
        for write, result in zip(batch, results, strict=True):
            if not write.future.done():  # a caller that went away needs no answer
                write.future.set_result(result)

    async def _run(self, batch: list[Write], *, relaxed: bool = False) -> list[Any]:
        """One transaction on the loop's engine for these writes, committed before returning.

        `relaxed` (PostgreSQL): the commit does not wait for the disk (writes that need not).
        """
        async with self._engine.begin() as connection:
            if relaxed:
                await connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            return await connection.run_sync(apply_batch, batch)

    def _fall_back(self, batch: list[Write], error: BaseException) -> None:
        """On the loop: run a failed batch's writes one by one, in a task the writer waits for at close."""
        task = asyncio.create_task(self._one_by_one(batch, error), name="store-writer-fallback")
        self._fallbacks.add(task)
        task.add_done_callback(self._fallbacks.discard)

    async def _one_by_one(self, batch: list[Write], error: BaseException) -> None:
        log.warning(
            "a group commit of %d writes failed; running them one by one",
            len(batch),
            exc_info=error,
        )
        for write in batch:
            for attempt in range(1, ALONE_TRIES + 1):
                try:
                    (result,) = await self._run([write])
                except IntegrityError as exc:
                    if attempt < ALONE_TRIES:
                        continue
                    outcome: tuple[bool, Any] = (False, exc)
                except Exception as exc:
                    outcome = (False, exc)
                else:
                    outcome = (True, result)
                break
            if write.future.done():
                continue
            ok, value = outcome
            if ok:
                write.future.set_result(value)
            else:
                write.future.set_exception(value)

    async def _wait_for_fallbacks(self) -> None:
        while self._fallbacks:
            await asyncio.gather(*self._fallbacks, return_exceptions=True)

    @staticmethod
    def _refuse(write: Write) -> None:
        if not write.future.done():
            write.future.set_exception(RuntimeError("the store is closing"))
