"""The aiohttp backend session alone, against a real hostile server: marked, capped, no redirects."""

from __future__ import annotations

import pytest

from gateway.errors import ConnectionFailed, TransientError
from gateway.plugin_kit.backend_calls import begin_attempt
from gateway.plugin_kit.http_session import BackendSession
from tests.support.hostile import Answer


@pytest.fixture
async def session():  # type: ignore[no-untyped-def]
    made = BackendSession(timeout=5)
    yield made
    await made.aclose()


async def test_a_call_is_marked_as_the_backends(hostile, session) -> None:  # type: ignore[no-untyped-def]
    calls = begin_attempt()
    answer = await session.request("POST", hostile.url + "/x", content=b"{}", keep=100)
    assert calls.called and answer.status == 200 and answer.head == b'{"ok": true}'
    assert answer.cut is False


async def test_only_the_start_of_a_huge_answer_is_read(hostile, session) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(200, body=b"[", filler=200 * 1024 * 1024)
    answer = await session.request("GET", hostile.url + "/big", keep=4096)
    assert len(answer.head) == 4096 and answer.cut is True
    assert hostile.finished == 0 and hostile.sent < 50 * 1024 * 1024  # we stopped reading


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_answered_not_followed(hostile, session, status) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(status, headers={"Location": hostile.url + "/elsewhere"}, body=b"")
    answer = await session.request("POST", hostile.url + "/x", content=b"{}", keep=10)
    assert answer.is_redirect and answer.status == status and hostile.requests == 1


async def test_a_compressed_answer_is_not_asked_for_nor_unpacked(hostile, session) -> None:  # type: ignore[no-untyped-def]
    hostile.answer = Answer(200, headers={"Content-Encoding": "gzip"}, body=b"\x1f\x8b not gzip")
    answer = await session.request("GET", hostile.url + "/z", keep=100)
    assert answer.head == b"\x1f\x8b not gzip"  # passed on as bytes, never inflated


async def test_a_backends_cookie_is_not_sent_back(hostile, session) -> None:  # type: ignore[no-untyped-def]
    """Every call stands alone: one delivery's session cookie must not ride along on the next."""
    hostile.answer = Answer(200, headers={"Set-Cookie": "session=citizen-42; Path=/"})
    named = hostile.url.replace("127.0.0.1", "localhost")  # a jar keeps no cookie of an address
    await session.request("GET", named + "/login", keep=10)
    await session.request("GET", named + "/next", keep=10)
    assert hostile.requests == 2 and "Cookie" not in hostile.last_headers


async def test_failures_say_whether_the_connection_was_made(hostile) -> None:  # type: ignore[no-untyped-def]
    from gateway.devtools.ports import free_port

    nowhere = BackendSession(timeout=2)
    with pytest.raises(ConnectionFailed, match="cannot reach"):
        await nowhere.request("GET", f"http://127.0.0.1:{free_port()}/", keep=10)
    await nowhere.aclose()
    hostile.answer = Answer(200, body=b"abc", chunk=1, pause=1.0)
    slow = BackendSession(timeout=0.2)  # + the 1 s backstop
    with pytest.raises(TransientError, match="in time") as caught:
        await slow.request("GET", hostile.url + "/slow", keep=10)
    assert not isinstance(caught.value, ConnectionFailed)
    await slow.aclose()
