"""What several views share: the JSON body, the operator's reason, departments, masked payloads."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from gateway import appkeys
from gateway.auth import actor_of
from gateway.http_input import body_deadline, has_control, json_too_deep
from gateway.logs import mask
from gateway.problems import ProblemError
from gateway.store import views


def not_found(event_id: str) -> ProblemError:
    return ProblemError(404, "Not Found", f"no event with id {event_id!r}", "not-found")


async def visible_or_404(request: web.Request, event_id: str) -> None:
    """An event outside the operator's departments answers as if it did not exist."""
    found = await views.event_of(request.app[appkeys.STORE], event_id)
    if found is None or not request.app[appkeys.DEPARTMENTS].sees(actor_of(request), *found):
        raise not_found(event_id)


def masked(value: Any) -> Any:
    """ΑΦΜ and e-mail addresses masked in every string of a payload."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


async def json_object(request: web.Request) -> dict[str, Any]:
    async with body_deadline(request):
        raw = await request.read()
    body = None
    if not json_too_deep(raw):
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
    if not isinstance(body, dict):
        raise ProblemError(
            400, "Malformed JSON", "send a JSON object of the facts", "malformed-json"
        )
    return body


def valid_reason(reason: object) -> str | None:
    """An operator's reason as kept (one line, 1 to 500 characters), or None; API and console."""
    if not isinstance(reason, str) or not reason.strip():
        return None
    if len(reason) > 500 or has_control(reason):
        return None
    return reason


def reason_of(body: dict[str, Any]) -> str:
    """The operator's reason, taken out of the body (dismiss, confirm, release and pause need one)."""
    reason = valid_reason(body.pop("reason", None))
    if reason is None:
        raise ProblemError(
            422,
            "Invalid request",
            "say why: a reason of one line, 1 to 500 characters, is required",
            "invalid-request",
            errors=[{"path": "$.reason", "message": "is required: one line, 1 to 500 characters"}],
        )
    return reason
