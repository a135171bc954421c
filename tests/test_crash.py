"""A real gateway process killed with SIGKILL mid-delivery loses nothing it accepted."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from gateway.devtools.portal import PortalClient
from gateway.devtools.ports import free_port
from tests.support.events import example
from tests.support.process import GatewayProcess
from tests.support.process import config_file as gateway_config
from tests.support.settings import OPERATOR_TOKEN, SECRET

pytestmark = pytest.mark.slow


def config_file(tmp_path: Path, database_url: str, port: int, receiver_url: str) -> Path:
    return gateway_config(
        tmp_path,
        port,
        database_url,
        f"""
[plugins.webhook]
url = "{receiver_url}/events"
timeout = 2
concurrency = 4
[plugins.webhook.retry]
initial_delay = 0.2
multiplier = 2
max_delay = 1
[[routes]]
type = "request.submitted"
plugins = ["webhook"]
""",
    )


async def _settled(portal: PortalClient, ids: list[str], within: float) -> dict[str, str]:
    deadline = time.monotonic() + within
    while True:
        statuses = {}
        for event_id in ids:
            response = await portal.get(f"/v1/events/{event_id}")
            statuses[event_id] = (
                response.json()["status"]
                if response.status_code == 200
                else f"HTTP {response.status_code}"
            )
        if all(s == "delivered" for s in statuses.values()) or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(0.2)


async def test_sigkill_while_delivering_loses_nothing(
    tmp_path: Path, receiver, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    gateway = GatewayProcess(
        config_file(tmp_path, database_url, port, receiver.url), port, tmp_path / "gateway.log"
    )
    receiver.processing_seconds = 0.4  # deliveries are in flight when the kill comes
    await asyncio.to_thread(gateway.start)
    portal = PortalClient(gateway.url, SECRET, OPERATOR_TOKEN)
    try:
        events = [example("request.submitted") for _ in range(40)]
        answers = await asyncio.gather(*(portal.post_event(e) for e in events))
        assert [a.status_code for a in answers] == [202] * 40
        while len(receiver.requests) < 6:
            await asyncio.sleep(0.02)
        assert receiver.in_flight, "the kill should come while deliveries are in flight"
        await asyncio.to_thread(gateway.kill)
        delivered_before = len(receiver.received)
        assert delivered_before < 40

        receiver.processing_seconds = 0.0
        await asyncio.to_thread(gateway.start)
        statuses = await _settled(portal, [e["id"] for e in events], within=60)
        assert set(statuses.values()) == {"delivered"}, statuses
        assert set(receiver.received) == {f"{e['id']}:webhook" for e in events}
        assert await asyncio.to_thread(gateway.stop) == 0  # SIGTERM is a clean stop
    finally:
        await portal.aclose()
        if gateway.process and gateway.process.poll() is None:
            gateway.kill()


async def test_graceful_stop_finishes_or_hands_back_in_flight_work(
    tmp_path: Path, receiver
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    gateway = GatewayProcess(
        config_file(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'g.db'}", port, receiver.url),
        port,
        tmp_path / "g.log",
    )
    receiver.processing_seconds = 0.3
    await asyncio.to_thread(gateway.start)
    portal = PortalClient(gateway.url, SECRET, OPERATOR_TOKEN)
    try:
        events = [example("request.submitted") for _ in range(10)]
        await asyncio.gather(*(portal.post_event(e) for e in events))
        while not receiver.in_flight:
            await asyncio.sleep(0.02)
        assert await asyncio.to_thread(gateway.stop) == 0
        await asyncio.to_thread(gateway.start)
        receiver.processing_seconds = 0.0
        statuses = await _settled(portal, [e["id"] for e in events], within=30)
        assert set(statuses.values()) == {"delivered"}
        assert (
            max(receiver.deliveries_seen.values()) == 1
        )  # a clean stop let in-flight attempts finish
    finally:
        await portal.aclose()
        await asyncio.to_thread(gateway.stop)


def test_process_refuses_to_start_on_a_bad_plugin(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        f'[gateway]\nlisten = "127.0.0.1:{free_port()}"\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "x.db"}"\n[plugins.ghost]\nenabled = true\n'
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "plugins.ghost, line 4: no installed plugin is named 'ghost'" in result.stderr


def test_process_says_why_it_cannot_listen(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = config_file(
            tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", port, "http://127.0.0.1:9"
        )
        result = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "cannot start: OSError" in result.stderr and "Traceback" not in result.stderr
