"""`GET /v1/audit`: the audit log, newest first, filtered by actor, action and time (operators and admins)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from gateway import appkeys
from gateway.auth import require
from gateway.http_input import ascii_int, aware_moment, bad_parameter
from gateway.store import audit


def _moment(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        return aware_moment(raw)
    except ValueError as exc:
        raise bad_parameter(f"query.{name}", str(exc)) from None


@require("operator")
async def audit_entries(request: web.Request) -> web.Response:
    raw_limit = request.query.get("limit")
    items = await audit.entries(
        request.app[appkeys.STORE],
        actor=request.query.get("actor") or None,
        action=request.query.get("action") or None,
        since=_moment(request, "since"),
        until=_moment(request, "until"),
        limit=100 if raw_limit is None else ascii_int(raw_limit, "query.limit", 1, 1000),
    )
    return web.json_response({"items": items})
