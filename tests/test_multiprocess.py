"""Two gateway processes on one PostgreSQL share the queue; no delivery is attempted twice at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.devtools.portal import PortalClient
from gateway.devtools.ports import free_port
from gateway.store import open_store
from gateway.store.models import attempts, deliveries
from tests.support.events import example
from tests.support.process import GatewayProcess
from tests.support.settings import OPERATOR_TOKEN, SECRET
from tests.test_crash import config_file

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


async def test_two_processes_deliver_a_batch_without_double_handling(
    tmp_path: Path, receiver, pg_url: str
) -> None:  # type: ignore[no-untyped-def]
    receiver.processing_seconds = 0.05
    processes = []
    for _ in range(2):
        port = free_port()
        processes.append(
            GatewayProcess(
                config_file(tmp_path, pg_url, port, receiver.url), port, tmp_path / f"g{port}.log"
            )
        )
    await asyncio.gather(*(asyncio.to_thread(p.start) for p in processes))
    portals = [PortalClient(p.url, SECRET, OPERATOR_TOKEN) for p in processes]
    try:
        events = [example("request.submitted") for _ in range(200)]
        answers = await asyncio.gather(
            *(portals[i % 2].post_event(e) for i, e in enumerate(events))
        )
        assert {a.status_code for a in answers} == {202}

        deadline = time.monotonic() + 60
        while len(receiver.received) < 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert len(receiver.received) == 200
        assert receiver.overlaps == []
        assert set(receiver.deliveries_seen.values()) == {1}

        store = await open_store(pg_url)
        async with store.read() as connection:
            per_delivery = (
                await connection.execute(
                    select(deliveries.c.attempts, func.count()).group_by(deliveries.c.attempts)
                )
            ).all()
            workers = (
                await connection.execute(
                    select(attempts.c.worker, func.count()).group_by(attempts.c.worker)
                )
            ).all()
        await store.close()
        assert per_delivery == [(1, 200)]
        assert len(workers) == 2, workers  # both processes did part of the work
    finally:
        for portal in portals:
            await portal.aclose()
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in processes))
