"""Signing in with a password, signing out, and the language switch.

Passwords are checked against `[operators.LOGIN] password_hash` (argon2id)
in a thread; a login that does not exist costs the same time as one that
does, so the answer's timing does not tell which logins exist.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import time

from aiohttp import web
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gateway import appkeys
from gateway.auth import ACTOR, audit_action
from gateway.console.sessions import COOKIE
from gateway.console.state import CONSOLE
from gateway.console.texts import LANGUAGES
from gateway.console.web import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    PREFIX,
    SESSION,
    cookie_options,
    form,
    go,
    render,
    safe_next,
    session,
    words,
)
from gateway.operators import HASHER, Actor


@functools.cache
def _decoy() -> str:
    """Checked when the login is unknown, so that case takes as long as a wrong password;
    made on the first sign-in rather than at start-up (argon2id costs about 20 ms)."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _login_page(request: web.Request, status: int = 200, **context: object) -> web.Response:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    context = {
        "notice": None,
        "error": None,
        "login": "",
        "next": safe_next(request.query.get("next")),
        **context,
    }
    response = render(
        request,
        "login.html",
        status,
        title=words(request).login_title,
        login_csrf=token,
        **context,
    )
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, **cookie_options(request))
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    if SESSION in request:
        raise go(safe_next(request.query.get("next")))
    ended = request.query.get("ended") == "1"
    return _login_page(request, notice=words(request)["session_ended"] if ended else None)


async def _password_ok(password_hash: str | None, password: str) -> bool:
    try:
        await asyncio.to_thread(HASHER.verify, password_hash or _decoy(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return password_hash is not None


async def login(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    login_name = fields.get("login", "").strip()[:64]
    password = fields.get("password", "")[:1024]
    back = safe_next(fields.get("next"))
    state = request.app[CONSOLE]
    now = time.monotonic()
    address = request.remote or "-"
    held = max(state.by_login.held_for(login_name, now), state.by_address.held_for(address, now))
    t = words(request)
    if held > 0:
        minutes = max(1, int(held // 60) + (1 if held % 60 else 0))
        return _login_page(
            request, 429, error=t.f("login_held", minutes=minutes), login=login_name, next=back
        )
    operator = request.app[appkeys.LIVE].book.operators.get(login_name)
    password_hash = operator.password_hash if operator is not None else None
    if not login_name or not password or not await _password_ok(password_hash, password):
        state.by_login.failed(login_name, now)
        state.by_address.failed(address, now)
        request[ACTOR] = Actor(login_name or "anonymous", operator.role if operator else "-")
        await audit_action(request, "console_login", 401)
        return _login_page(request, 401, error=t["login_failed"], login=login_name, next=back)
    assert operator is not None and password_hash is not None
    state.by_login.succeeded(login_name)
    signer = state.signer
    fresh = signer.new(login_name, password_hash, time.time())
    request[ACTOR] = Actor(login_name, operator.role)
    await audit_action(request, "console_login", 200)
    response = go(back)
    response.set_cookie(COOKIE, signer.cookie(fresh), **cookie_options(request))
    response.del_cookie(LOGIN_COOKIE, path=PREFIX)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    state = request.app[CONSOLE]
    state.signer.end(session(request), time.time())
    await audit_action(request, "console_logout", 200)
    response = go(f"{PREFIX}/login")
    response.del_cookie(COOKIE, path=PREFIX)
    raise response


async def switch_language(request: web.Request) -> web.StreamResponse:
    """A link, not a form: it changes nothing but how pages read."""
    wanted = request.query.get("to", "el")
    response = go(safe_next(request.query.get("next")))
    if wanted in LANGUAGES:
        response.set_cookie(LANG_COOKIE, wanted, max_age=365 * 86400, **cookie_options(request))
    raise response
