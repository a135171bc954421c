"""Daily jobs done once a day across processes: whoever takes the day's lease runs it.

A lease, not a mark: a process that dies while running leaves a lease that
expires, and another process takes the day over; a job that finished is
never run again that day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from gateway.store.db import Store
from gateway.store.models import job_runs, utcnow


async def take(store: Store, job: str, day: str, holder: str, seconds: float) -> bool:
    """True when this holder now runs `job` for `day` (no one else holds it, it is not done)."""
    now = utcnow()

    def claim(connection: Connection) -> bool:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(job_runs).values(job=job, day=day).on_conflict_do_nothing()
        )
        taken = connection.execute(
            update(job_runs)
            .where(
                job_runs.c.job == job,
                job_runs.c.day == day,
                job_runs.c.done_at.is_(None),
                or_(job_runs.c.leased_until.is_(None), job_runs.c.leased_until < now),
            )
            .values(holder=holder, leased_until=now + timedelta(seconds=seconds))
        )
        return bool(taken.rowcount)

    result: bool = await store.transact(claim)
    return result


async def finish(store: Store, job: str, day: str, holder: str, *, done: bool) -> None:
    """Done for the day, or (it failed) the lease given back so the next try comes soon."""
    values: dict[str, datetime | None] = {"leased_until": None}
    if done:
        values["done_at"] = utcnow()
    mine = and_(job_runs.c.job == job, job_runs.c.day == day, job_runs.c.holder == holder)
    await store.transact(lambda c: c.execute(update(job_runs).where(mine).values(**values)))


async def done_on(store: Store, job: str, day: str) -> bool:
    async with store.read() as connection:
        row = (
            await connection.execute(
                select(job_runs.c.done_at).where(job_runs.c.job == job, job_runs.c.day == day)
            )
        ).first()
    return bool(row and row.done_at)
