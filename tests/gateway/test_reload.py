"""Issue 13: SIGHUP rotates the portal secret while events stream in, and drops no request."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import time
import uuid
from pathlib import Path

import httpx
import pytest

from gateway.devtools.ports import free_port
from gateway.signature import signed_headers
from tests.support.events import example
from tests.support.process import GatewayProcess, config_file
from tests.support.settings import SECRET

NEW_SECRET = "whsec_" + base64.b64encode(b"rotated-secret-0123456789abcdef").decode()


def _with_secrets(config: Path, *secrets: str) -> None:
    text = config.read_text()
    start = text.index("portal_secrets = [")
    end = text.index("]", start) + 1
    listed = ", ".join(f'"{s}"' for s in secrets)
    config.write_text(text[:start] + f"portal_secrets = [{listed}]" + text[end:])


async def _post(client: httpx.AsyncClient, url: str, secret: str) -> int:
    event = example("request.submitted", id=f"evt-{uuid.uuid4().hex[:16]}")
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/cloudevents+json"}
    headers.update(signed_headers(secret, event["id"], body))
    return (await client.post(f"{url}/v1/events", content=body, headers=headers)).status_code


async def _wait_for(log: Path, text: str, count: int, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while log.read_text(errors="replace").count(text) < count:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_sighup_rotates_the_portal_secret_without_dropping_a_request(tmp_path: Path) -> None:
    port = free_port()
    config = config_file(tmp_path, port, f"sqlite+aiosqlite:///{tmp_path / 'g.db'}", "")
    gateway = GatewayProcess(config, port, tmp_path / "gateway.log")
    gateway.start()
    assert gateway.process is not None
    statuses: list[tuple[str, int]] = []
    stop = asyncio.Event()

    async def stream(secret: str, tag: str) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while not stop.is_set():
                statuses.append((tag, await _post(client, gateway.url, secret)))

    try:
        old_stream = asyncio.create_task(stream(SECRET, "old"))
        await asyncio.sleep(0.3)
        # step 1: the new secret beside the old one, reloaded while the old one streams
        _with_secrets(config, SECRET, NEW_SECRET)
        gateway.process.send_signal(signal.SIGHUP)
        await _wait_for(gateway.log, "reloaded", 1)
        new_stream = asyncio.create_task(stream(NEW_SECRET, "new"))
        await asyncio.sleep(0.5)
        # step 2: the old secret removed; the portal has switched
        stop.set()
        await asyncio.gather(old_stream, new_stream)
        assert statuses and {status for _tag, status in statuses} == {202}, statuses[-5:]
        assert sum(1 for tag, _ in statuses if tag == "new") > 5
        _with_secrets(config, NEW_SECRET)
        gateway.process.send_signal(signal.SIGHUP)
        await _wait_for(gateway.log, "reloaded", 2)
        async with httpx.AsyncClient(timeout=10) as client:
            assert await _post(client, gateway.url, SECRET) == 401
            assert await _post(client, gateway.url, NEW_SECRET) == 202
        # a config with a problem is refused whole; the running secrets stay
        config.write_text(
            config.read_text().replace("poll_interval = 0.2", 'poll_interval = "soon"')
        )
        gateway.process.send_signal(signal.SIGHUP)
        await _wait_for(gateway.log, "reload refused", 1)
        async with httpx.AsyncClient(timeout=10) as client:
            assert await _post(client, gateway.url, NEW_SECRET) == 202
        assert gateway.process.poll() is None
    finally:
        assert gateway.stop() == 0
