"""Issue 14, point 5: a pause holds 1,000 events across a restart, and resume delivers each once.

Real `gateway serve` processes on both databases; the receiver is the webhook mock.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from gateway.devtools.portal import PortalClient
from gateway.devtools.ports import free_port
from tests.support.events import example
from tests.support.process import GatewayProcess
from tests.support.settings import OPERATOR_TOKEN, SECRET
from tests.test_crash import config_file

EVENTS = 1000


@pytest.mark.slow
async def test_a_pause_holds_across_a_restart_and_resume_delivers_each_once(
    tmp_path: Path, receiver, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    gateway = GatewayProcess(
        config_file(tmp_path, database_url, port, receiver.url), port, tmp_path / "g.log"
    )
    await asyncio.to_thread(gateway.start)
    portal = PortalClient(gateway.url, SECRET, OPERATOR_TOKEN, httpx.AsyncClient(timeout=30))
    operator = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    try:
        paused = await portal.client.post(
            f"{gateway.url}/v1/plugins/webhook/pause",
            json={"reason": "receiver maintenance"},
            headers=operator,
        )
        assert paused.status_code == 200
        ids = [f"evt-pause-{n:04d}" for n in range(EVENTS)]
        gate = asyncio.Semaphore(32)

        async def post(event_id: str) -> int:
            async with gate:
                return (
                    await portal.post_event(example("request.submitted", id=event_id))
                ).status_code

        assert set(await asyncio.gather(*(post(event_id) for event_id in ids))) == {202}
        assert await asyncio.to_thread(gateway.stop) == 0  # a restart while paused
        await asyncio.to_thread(gateway.start)
        await asyncio.sleep(1.0)
        assert receiver.received == {}  # the pause held across the restart
        health = (await portal.get("/v1/health")).json()["plugins"]["webhook"]
        assert health["paused"]["reason"] == "receiver maintenance"
        resumed = await portal.client.post(
            f"{gateway.url}/v1/plugins/webhook/resume", headers=operator
        )
        assert resumed.json()["was_paused"] is True
        deadline = time.monotonic() + 120
        while len(receiver.received) < EVENTS and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert len(receiver.received) == EVENTS
        assert set(receiver.deliveries_seen.values()) == {1}  # each exactly once
        assert receiver.overlaps == []
    finally:
        await portal.aclose()
        await asyncio.to_thread(gateway.stop)
