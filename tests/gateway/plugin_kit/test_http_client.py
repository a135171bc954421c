"""Issue 12, findings 4 and 8: the backend client caps answers as they stream, follows no redirect,
and marks the attempt as having called its backend. Against a real loopback server."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.plugin_kit.backend_calls import begin_attempt, mark_backend_call
from gateway.plugin_kit.http_client import (
    AnswerTooLarge,
    backend_client,
    first_bytes,
    is_redirect,
)
from tests.support.hostile import Answer, HostileBackend


@pytest.fixture
async def backend():  # type: ignore[no-untyped-def]
    server = HostileBackend()
    await server.start()
    yield server
    await server.stop()


async def test_an_answer_over_the_cap_fails_before_it_is_read_whole(backend) -> None:  # type: ignore[no-untyped-def]
    backend.answer = Answer(body=b"x", filler=50 * 1024 * 1024)
    async with backend_client(timeout=10, max_answer_bytes=65536) as client:
        with pytest.raises(AnswerTooLarge, match="over 65536 bytes"):
            await client.get(backend.url + "/big")
    await asyncio.sleep(0.2)
    assert backend.finished == 0 and backend.sent < 30 * 1024 * 1024


async def test_an_answer_under_the_cap_is_read(backend) -> None:  # type: ignore[no-untyped-def]
    backend.answer = Answer(body=b'{"ok": true}')
    async with backend_client(timeout=10, max_answer_bytes=1024) as client:
        response = await client.get(backend.url + "/small")
    assert response.json() == {"ok": True}
    assert response.request.headers["Accept-Encoding"] == "identity"


async def test_first_bytes_reads_only_the_start(backend) -> None:  # type: ignore[no-untyped-def]
    backend.answer = Answer(body=b"head", filler=20 * 1024 * 1024)
    async with backend_client(timeout=10) as client:
        async with client.stream("GET", backend.url + "/") as response:
            head, cut = await first_bytes(response, 100)
    assert head.startswith(b"head") and len(head) == 100 and cut


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_not_followed(backend, status: int) -> None:  # type: ignore[no-untyped-def]
    backend.answer = Answer(status=status, headers={"Location": backend.url + "/elsewhere"})
    async with backend_client(timeout=10) as client:
        response = await client.post(backend.url + "/events", content=b"{}")
    assert is_redirect(response) and backend.requests == 1


async def test_a_request_marks_the_attempt_even_when_it_cannot_connect() -> None:
    calls = begin_attempt()
    assert not calls.called
    async with backend_client(timeout=1) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:9/")  # nothing listens on the discard port
    assert calls.called


async def test_a_mark_in_a_task_the_plugin_starts_counts_for_the_attempt() -> None:
    calls = begin_attempt()
    await asyncio.create_task(asyncio.to_thread(lambda: None))
    await asyncio.gather(asyncio.create_task(_mark()))
    assert calls.called


async def _mark() -> None:
    mark_backend_call()


def test_a_mark_outside_an_attempt_is_harmless() -> None:
    mark_backend_call()
