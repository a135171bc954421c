"""Who is asking and what they may do: bearer tokens to actors, roles to views, every action audited."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway import appkeys
from gateway.http_input import has_control
from gateway.operators import Actor
from gateway.problems import ProblemError
from gateway.store import audit

log = logging.getLogger("gateway.auth")
#: what a view leaves on the request for its audit entry
ACTOR = web.RequestKey("gateway_actor", Actor)
AUDIT_TARGETS = web.RequestKey("gateway_audit_targets", dict)
AUDIT_REASON = web.RequestKey("gateway_audit_reason", str)
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


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401,
        "Unauthorized",
        detail,
        "unauthorized",
        headers={"WWW-Authenticate": 'Bearer realm="gateway"'},
    )


def _request_id(request: web.Request) -> str:
    given = request.headers.get("X-Request-ID", "")
    if given and len(given) <= 64 and given.isascii() and not has_control(given):
        return given
    return uuid.uuid4().hex


async def _audit(request: web.Request, action: str, actor: Actor | None, status: int) -> None:
    entry = audit.Entry(
        actor=actor.name if actor else "anonymous",
        role=actor.role if actor else "-",
        action=action,
        targets={**request.match_info, **(request.get(AUDIT_TARGETS) or {}), "status": status},
        outcome="done" if status < 400 else ("refused" if status in (401, 403) else "failed"),
        reason=request.get(AUDIT_REASON),
        request_id=_request_id(request),
    )
    try:
        await audit.record(request.app[appkeys.STORE], entry)
    except Exception:
        log.exception("could not write the audit entry for %s by %s", action, entry.actor)


def require(role: str, action: str | None = None) -> Callable[[Handler], Handler]:
    """Who may call a view: "portal" (the portal or any member of staff), or a staff role
    ("viewer" < "operator" < "admin"). With `action`, every call is audited, allowed or not."""

    def decorate(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            actor: Actor | None = None
            status = 500
            try:
                token = _token(request)
                if token is None:
                    raise _unauthorized("send Authorization: Bearer <token>")
                actor = await request.app[appkeys.LIVE].book.resolve(token)
                if actor is None:
                    raise _unauthorized("unknown token")
                if role != "portal" and not actor.may(role):
                    raise ProblemError(
                        403,
                        "Forbidden",
                        f"this endpoint needs the role {role}"
                        + (f"; {actor.name} is {actor.role}" if actor.is_staff else ""),
                        "forbidden",
                    )
                request[ACTOR] = actor
                response = await handler(request)
                status = response.status
                return response
            except ProblemError as exc:
                status = exc.response.status
                raise
            finally:
                if action is not None:
                    await _audit(request, action, actor, status)

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return decorate


async def audit_action(request: web.Request, action: str, status: int) -> None:
    """Record an action a view decides on by itself (a reveal of personal data)."""
    await _audit(request, action, request.get(ACTOR), status)


def actor_of(request: web.Request) -> Actor:
    actor: Actor = request[ACTOR]
    return actor
