"""Parsing what a client controls (path, query, headers, JSON depth) into values or a 400.

Every parser here turns malformed input into a problem document, never an
exception the server answers with 500: found by fuzzing, where a
`limit=²` passed `str.isdigit()` and then failed `int()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from aiohttp import web

from gateway import appkeys
from gateway.problems import ProblemError

#: C0 controls, DEL and C1 controls: never meaningful in a path, a query or a header-bound field
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_DIGITS = re.compile(r"[0-9]{1,18}")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
MAX_JSON_DEPTH = 64


def bad_parameter(where: str, message: str, detail: str | None = None) -> ProblemError:
    return ProblemError(
        400,
        "Bad query parameter" if where.startswith("query.") else "Bad request",
        detail or f"{where}: {message}",
        "bad-parameter",
        errors=[{"path": where, "message": message}],
    )


def ascii_int(raw: str, where: str, low: int, high: int) -> int:
    """ASCII digits only (not '²' or '٣', which `str.isdigit` lets through), within bounds."""
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise bad_parameter(
            where,
            f"{raw[:20]!r} is not a whole number from {low} to {high}",
            f"{where.removeprefix('query.')} must be a whole number from {low} to {high}",
        )
    return int(raw)


def aware_moment(raw: str) -> datetime:
    """An ISO 8601 date-time with its UTC offset; ValueError saying what is wrong."""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ValueError("needs its UTC offset, e.g. 2026-12-01T00:00:00+02:00")
    return moment


@contextlib.asynccontextmanager
async def body_deadline(request: web.Request) -> AsyncIterator[None]:
    """Reading a body inside the block: past `[gateway.server] body_timeout`, a 408 that closes.

    A client that sends headers and then a trickle, or nothing, would hold
    the connection for as long as it liked; every reader of a body uses this.
    """
    seconds = request.app[appkeys.SETTINGS].gateway.server.body_timeout
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise ProblemError(
            408,
            "Request Timeout",
            f"the body did not arrive within {seconds:g}s",
            "body-timeout",
            headers={"Connection": "close"},
        ) from None


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests deeper than `limit`, found without parsing it.

    A parser recurses once a level; a thousand levels end in RecursionError.
    Cheap for ordinary bodies: fewer brackets than the limit cannot nest past it.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


@web.middleware
async def refuse_control_characters(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """NUL or a control character in the path or the query: 400 before any view or database sees it."""
    if has_control(request.path):
        raise bad_parameter("path", "the path holds a control character")
    for key, value in request.query.items():
        if has_control(key) or has_control(value):
            where = "query" if has_control(key) else f"query.{key[:40]}"
            raise bad_parameter(where, "holds a control character")
    return await handler(request)
