"""Bearer tokens for reads: the portal's tokens open its reads, operators' open everything."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway import appkeys
from gateway.http_input import has_control
from gateway.problems import ProblemError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.isascii() or has_control(header):
        raise ProblemError(
            400,
            "Bad request",
            "the Authorization header holds bytes that are not printable ASCII",
            "bad-header",
            errors=[{"path": "header.Authorization", "message": "not printable ASCII"}],
        )
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches(token: str, allowed: list[str]) -> bool:
    return any(hmac.compare_digest(token.encode(), candidate.encode()) for candidate in allowed)


def require(role: str) -> Callable[[Handler], Handler]:
    """`role` is "portal" (portal or operator tokens) or "operator" (operator tokens only)."""

    def decorate(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            auth = request.app[appkeys.LIVE].auth
            token = _token(request)
            if token is None:
                raise ProblemError(
                    401,
                    "Unauthorized",
                    "send Authorization: Bearer <token>",
                    "unauthorized",
                    headers={"WWW-Authenticate": 'Bearer realm="gateway"'},
                )
            allowed = list(auth.operator_tokens) + (
                list(auth.portal_tokens) if role == "portal" else []
            )
            if not _matches(token, allowed):
                status, title = (
                    (403, "Forbidden")
                    if _matches(token, auth.portal_tokens)
                    else (401, "Unauthorized")
                )
                raise ProblemError(
                    status,
                    title,
                    "this token may not use this endpoint" if status == 403 else "unknown token",
                    "forbidden" if status == 403 else "unauthorized",
                    headers=None
                    if status == 403
                    else {"WWW-Authenticate": 'Bearer realm="gateway"'},
                )
            return await handler(request)

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return decorate
