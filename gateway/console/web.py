"""The console's request cycle: who is signed in, the CSRF check, the language, rendering.

One middleware on the gateway's app handles every path under /console:
it reads the session cookie, sends strangers to the sign-in page, refuses a
form without the session's CSRF token, turns refusals into pages (never a
JSON problem), and sets the headers every page carries.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from gateway import appkeys
from gateway.auth import ACTOR
from gateway.console import formats
from gateway.console.sessions import COOKIE, Session, fingerprint
from gateway.console.state import CONSOLE
from gateway.console.texts import LANGUAGES, Words
from gateway.http_input import body_deadline
from gateway.operators import Actor

PREFIX = "/console"
LANG_COOKIE = "gateway_console_lang"
LOGIN_COOKIE = "gateway_console_login"
SESSION = web.RequestKey("console_session", Session)
WORDS = web.RequestKey("console_words", Words)
#: routes anyone may reach: the sign-in page, the language switch, the stylesheet
PUBLIC = frozenset({"console_login", "console_login_post", "console_lang", "console_static"})
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """A console request that ends in an error page: the status and the words' key."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


def words(request: web.Request) -> Words:
    found: Words = request[WORDS]
    return found


def actor(request: web.Request) -> Actor:
    who: Actor = request[ACTOR]
    return who


def session(request: web.Request) -> Session:
    found: Session = request[SESSION]
    return found


def cookie_options(request: web.Request) -> dict[str, Any]:
    secure = request.app[CONSOLE].secure_cookie or request.secure
    return {"httponly": True, "samesite": "Strict", "secure": secure, "path": PREFIX}


def _signed_in(request: web.Request, now: float) -> tuple[Session, Actor] | None:
    state = request.app[CONSOLE]
    found = state.signer.read(request.cookies.get(COOKIE), now)
    if found is None:
        return None
    operator = request.app[appkeys.LIVE].book.operators.get(found.login)
    if operator is None or operator.password_hash is None:
        return None
    if not hmac.compare_digest(fingerprint(operator.password_hash), found.fingerprint):
        return None  # the password changed since: sign in again
    scope = frozenset(operator.departments) if operator.departments is not None else None
    return found, Actor(found.login, operator.role, scope)


async def form(request: web.Request) -> dict[str, str]:
    """The posted form's fields (the last of each name), read within the body deadline."""
    async with body_deadline(request):
        posted = await request.post()
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def _csrf_ok(request: web.Request, given: str | None) -> bool:
    expected = request[SESSION].csrf if SESSION in request else request.cookies.get(LOGIN_COOKIE)
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    t = words(request)
    signed = SESSION in request
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {
            "t": t,
            "lang": t.lang,
            "other_lang": "en" if t.lang == "el" else "el",
            "actor": request.get(ACTOR) if signed else None,
            "csrf": request[SESSION].csrf if signed else "",
            "here": request.path_qs,
            "fmt": formats,
            "title": t["app"],
            "page": None,
            "done": None,
            "errors": [],
            **context,
        },
        status=status,
    )
    return response


def go(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


def safe_next(value: str | None) -> str:
    """Where to go after signing in or switching language: a console path, never elsewhere."""
    if value and value.startswith(PREFIX) and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(PREFIX):
        return await handler(request)
    started = time.perf_counter()
    lang = request.cookies.get(LANG_COOKIE, "el")
    request[WORDS] = Words(lang if lang in LANGUAGES else "el")
    now = time.time()
    found = _signed_in(request, now)
    route = request.match_info.route.name
    if found is not None:
        request[SESSION], request[ACTOR] = found
    try:
        if found is None and route not in PUBLIC:
            if request.method in ("GET", "HEAD"):
                ended = "&ended=1" if COOKIE in request.cookies else ""
                raise go(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}{ended}")
            raise Refused(403, "session_ended")
        if request.method == "POST" and not _csrf_ok(request, (await form(request)).get("csrf")):
            raise Refused(403, "csrf_refused")
        response = await handler(request)
    except Refused as exc:
        response = render(request, "error.html", exc.status, message=words(request)[exc.key])
    except web.HTTPNotFound:
        response = render(request, "error.html", 404, message=words(request)["not_found"])
    except web.HTTPMethodNotAllowed as exc:
        exc.headers.update(HEADERS)
        raise
    except web.HTTPException as exc:
        if 300 <= exc.status < 400 and found is not None:
            _keep_alive(request, exc, now)
        exc.headers.update(HEADERS)
        raise
    if found is not None:
        _keep_alive(request, response, now)
    response.headers.update(HEADERS)
    # the page's own time, for the browser's developer tools and bench/console.py
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def _keep_alive(request: web.Request, response: web.StreamResponse, now: float) -> None:
    """Sign the session again with a new last-use time, at most once a minute."""
    state = request.app[CONSOLE]
    touched = state.signer.touched(request[SESSION], now)
    if touched is not None and COOKIE not in response.cookies:
        response.set_cookie(COOKIE, state.signer.cookie(touched), **cookie_options(request))
