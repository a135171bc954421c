"""Signing in over HTTP: throttled failures, CSRF on the sign-in form, sessions that end,
safe redirects, the cookie's flags, and every sign-in in the audit log."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gateway import appkeys
from gateway.operators import TokenBook, hash_secret
from tests.support.console import STAFF, World, console_world


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, login: str, password: str, next_: str = "/console/"
) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "login": login, "password": password, "next": next_},
    )


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.base_url, follow_redirects=False) as found:
        yield found


async def test_strangers_are_sent_to_sign_in_and_come_back_where_they_were_going(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/console/events?type=request.submitted")
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/console/login"
    assert parse_qs(location.query)["next"] == ["/console/events?type=request.submitted"]
    signed = await sign_in(
        client, "vera", STAFF["vera"][2], "/console/events?type=request.submitted"
    )
    assert (signed.status_code, signed.headers["location"]) == (
        303,
        "/console/events?type=request.submitted",
    )
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback; see the https test
    page = await client.get("/console/events")
    assert page.status_code == 200 and "vera" in page.text
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in page.headers


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/v1/events", "/console\\@evil"]
)
async def test_after_sign_in_only_console_paths_are_followed(
    client: httpx.AsyncClient, target: str
) -> None:
    signed = await sign_in(client, "vera", STAFF["vera"][2], target)
    assert signed.headers["location"] == "/console/"


async def test_the_sign_in_form_needs_its_csrf_token(client: httpx.AsyncClient) -> None:
    await client.get("/console/login")
    for form in (
        {"login": "anna", "password": STAFF["anna"][2]},
        {"csrf": "made-up", "login": "anna", "password": STAFF["anna"][2]},
    ):
        answer = await client.post("/console/login", data=form)
        assert answer.status_code == 403 and "gateway_console=" not in answer.headers.get(
            "set-cookie", ""
        )


async def test_wrong_passwords_hold_the_login_and_every_try_is_audited(
    world: World, client: httpx.AsyncClient
) -> None:
    for _ in range(5):
        answer = await sign_in(client, "oscar", "guess")
        assert answer.status_code == 401 and "Λάθος όνομα χρήστη ή κωδικός." in answer.text
    held = await sign_in(client, "oscar", STAFF["oscar"][2])
    assert held.status_code == 429 and "Δοκιμάστε ξανά σε 15 λεπτά" in held.text
    unknown = await sign_in(client, "nobody", "guess")
    assert unknown.status_code == 401 and "Λάθος όνομα χρήστη ή κωδικός." in unknown.text
    other = await sign_in(client, "anna", STAFF["anna"][2])  # another login from here still works
    assert other.status_code == 303
    entries = (await world.portal.get("/v1/audit", action="console_login")).json()["items"]
    outcomes = [(e["actor"], e["outcome"]) for e in reversed(entries)]
    assert outcomes == [("oscar", "refused")] * 5 + [("nobody", "refused"), ("anna", "done")]


async def test_many_logins_tried_from_one_address_hold_that_address(
    client: httpx.AsyncClient,
) -> None:
    for number in range(20):
        await sign_in(client, f"guess{number}", "guess")
    held = await sign_in(client, "anna", STAFF["anna"][2])
    assert held.status_code == 429


async def test_a_changed_password_ends_the_session_at_once(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, "anna", STAFF["anna"][2])
    assert (await client.get("/console/")).status_code == 200
    live = world.app[appkeys.LIVE]
    operators = dict(live.book.operators)
    operators["anna"] = operators["anna"].model_copy(
        update={"password_hash": hash_secret("new one")}
    )
    live.book = TokenBook(live.book.auth, operators)  # what a reload (SIGHUP) does
    answer = await client.get("/console/")
    assert answer.status_code == 303 and answer.headers["location"].endswith("&ended=1")
    page = await client.get(answer.headers["location"])
    assert "Η συνεδρία έληξε." in page.text


async def test_signing_out_ends_the_session_and_a_stale_form_is_refused(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "anna", STAFF["anna"][2])
    page = await client.get("/console/backends")
    token = csrf_of(page.text)
    kept = dict(client.cookies)
    out = await client.post("/console/logout", data={"csrf": token})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    client.cookies.update(kept)  # the old cookie, replayed
    assert (await client.get("/console/")).status_code == 303
    late = await client.post("/console/backends/webhook/pause", data={"csrf": token, "reason": "x"})
    assert late.status_code == 403


async def test_idle_sessions_end(tmp_path: Path) -> None:
    async with console_world(tmp_path, idle_minutes=0.001) as world:
        async with httpx.AsyncClient(base_url=world.base_url) as client:
            await sign_in(client, "vera", STAFF["vera"][2])
            await asyncio.sleep(0.2)
            answer = await client.get("/console/", follow_redirects=False)
            assert answer.status_code == 303 and "/console/login" in answer.headers["location"]


async def test_the_cookie_is_secure_when_the_gateway_is_reached_over_https(tmp_path: Path) -> None:
    async with console_world(tmp_path, secure_cookie=True) as world:
        async with httpx.AsyncClient(base_url=world.base_url) as client:
            page = await client.get("/console/login")
            # both the sign-in form's cookie and (so) the session's are Secure
            assert "Secure" in page.headers["set-cookie"]


async def test_an_oversized_or_garbled_sign_in_is_refused_without_a_session(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/console/login")
    token = csrf_of(page.text)
    huge = await client.post(
        "/console/login", data={"csrf": token, "login": "anna", "password": "x" * 3_000_000}
    )
    assert huge.status_code == 413 and "gateway_console=" not in huge.headers.get("set-cookie", "")
    for login in ("anna\x00", "anna\r\nX-Evil: 1", "ά" * 500):
        answer = await client.post(
            "/console/login", data={"csrf": token, "login": login, "password": STAFF["anna"][2]}
        )
        assert answer.status_code == 401, login
        assert "gateway_console=" not in answer.headers.get("set-cookie", "")
