"""`POST /v1/events`: authenticate, validate, route, store durably, answer 202.

Order matters: the size limit before reading, the signature before looking
at the content, and nothing written unless every check passed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from aiohttp import web

from gateway import appkeys, tracing
from gateway.events import DERIVED_MARK, stored_event
from gateway.http_input import MAX_JSON_DEPTH, body_deadline, json_too_deep
from gateway.logs import EVENT_ID
from gateway.problems import ProblemError, problem
from gateway.schemas import SchemaViolation
from gateway.signature import MalformedHeader, SignatureError, verify
from gateway.store.models import utcnow

log = logging.getLogger("gateway.intake")
ACCEPTED_TYPES = ("application/cloudevents+json", "application/json")


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise ProblemError(
            413,
            "Payload Too Large",
            f"the body is {request.content_length} bytes; the limit is {limit}",
            "too-large",
        )
    if request.content_length == 0:
        return b""
    if request.content_length is not None:
        try:
            return await request.content.readexactly(request.content_length)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            # the client went away mid-body: nothing is stored; the answer may not reach it
            raise ProblemError(
                400,
                "Incomplete body",
                f"the connection ended before the {request.content_length} bytes of Content-Length came",
                "incomplete-body",
            ) from None
    chunks, size = [], 0  # chunked transfer: count as we go
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise ProblemError(
                413,
                "Payload Too Large",
                f"the body is over the limit of {limit} bytes",
                "too-large",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise ProblemError(400, "Malformed JSON", "the body is empty", "malformed-json")
    if json_too_deep(body):
        raise ProblemError(
            400,
            "Malformed JSON",
            f"the JSON nests deeper than {MAX_JSON_DEPTH} levels",
            "malformed-json",
        )
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(
            400, "Malformed JSON", f"the body is not valid JSON: {exc}", "malformed-json"
        ) from None
    if not isinstance(document, dict):
        raise ProblemError(
            400,
            "Not an event",
            f"the body is a JSON {type(document).__name__}, not an object",
            "not-an-object",
        )
    return document


def _nul_path(value: Any, path: str = "$") -> str | None:
    """The JSON path of the first string (or key) holding NUL, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return path
            inner = _nul_path(item, f"{path}.{key}")
            if inner:
                return inner
    if isinstance(value, list):
        for index, item in enumerate(value):
            inner = _nul_path(item, f"{path}[{index}]")
            if inner:
                return inner
    return None


def unstorable(event: dict[str, Any], body: bytes) -> list[SchemaViolation]:
    """What no backend (and PostgreSQL's text) can take, and ids only the gateway may use.

    NUL can only arrive escaped (JSON forbids it raw), so the walk runs only
    when the body holds `\\u0000`.
    """
    where = _nul_path(event) if b"\\u0000" in body else None
    if where:
        return [SchemaViolation(where, "NUL (U+0000) is not allowed anywhere")]
    if DERIVED_MARK in event["id"]:
        message = f"{DERIVED_MARK!r} is kept for the ids of events the gateway derives"
        return [SchemaViolation("$.id", message)]
    return []


async def post_event(request: web.Request) -> web.Response:
    """Intake, timed whole for `gateway_intake_request_duration_seconds`."""
    started = time.perf_counter()
    try:
        return await _post_event(request)
    finally:
        request.app[appkeys.METRICS].intake_seconds.observe(time.perf_counter() - started)


async def _post_event(request: web.Request) -> web.Response:
    app = request.app
    settings = app[appkeys.SETTINGS]
    metrics = app[appkeys.METRICS]
    try:
        async with body_deadline(request):
            body = await _read_body(request, settings.gateway.max_body_bytes)
        try:
            verify(request.headers, body, app[appkeys.LIVE].auth.portal_secrets)
        except MalformedHeader as exc:
            raise ProblemError(400, "Bad request", str(exc), "bad-header") from None
        except SignatureError as exc:
            raise ProblemError(401, "Invalid signature", str(exc), "invalid-signature") from None
        if request.content_type not in ACCEPTED_TYPES:
            raise ProblemError(
                415,
                "Unsupported Media Type",
                f"Content-Type is {request.content_type!r}; send application/cloudevents+json or application/json",
                "unsupported-media-type",
            )
        event = _parse(body)
        if isinstance(event.get("id"), str):
            EVENT_ID.set(event["id"][:128])  # this request's log lines name the event
        schemas = app[appkeys.SCHEMAS]
        violations = schemas.validate(event) or unstorable(event, body)
        if violations:
            unknown = [
                v
                for v in violations
                if v.path == "$.type" and v.message.startswith("unknown event type")
            ]
            title = "Unknown event type" if unknown else "Invalid event"
            raise ProblemError(
                422,
                title,
                f"{len(violations)} problem(s); see errors",
                "unknown-type" if unknown else "schema-violation",
                errors=[v.as_dict() for v in violations],
            )
        if event["type"] not in schemas.portal_types:
            raise ProblemError(
                422,
                "Not a portal event",
                f"{event['type']} is derived by the gateway's plugins; the portal cannot post it",
                "not-a-portal-event",
                errors=[{"path": "$.type", "message": "derived event types are not accepted"}],
            )
    except ProblemError as exc:
        metrics.rejected(exc.response.status, exc.slug)
        raise
    parent = tracing.incoming(request.headers, event)
    if not settings.telemetry.enabled:
        return await _store(request, event, body, parent)
    with tracing.intake_span(parent, event["id"], event["type"]):
        # stored, so every attempt (in any process, after a restart) continues this span
        return await _store(request, event, body, tracing.current_traceparent())


async def _store(
    request: web.Request, event: dict[str, Any], body: bytes, traceparent: str | None
) -> web.Response:
    app = request.app
    settings = app[appkeys.SETTINGS]
    metrics = app[appkeys.METRICS]
    now = utcnow()
    plugins = app[appkeys.ROUTER].plugins_for(event["type"], event["data"])
    try:
        (answer,) = await app[appkeys.STORE].accept(
            [
                stored_event(
                    event,
                    plugins,
                    now,
                    envelope_json=body.decode("utf-8"),
                    traceparent=traceparent,
                )
            ]
        )
    except Exception:
        log.exception("could not store event %s", event["id"])
        metrics.rejected(503, "store-unavailable")
        raise ProblemError(
            503,
            "Service Unavailable",
            "the event could not be stored, so it was not accepted; send it again",
            "store-unavailable",
            headers={"Retry-After": "5"},
        ) from None
    if answer.status == "conflict":
        metrics.rejected(409, "id-conflict")
        return problem(
            409,
            "Conflict",
            f"an event with id {event['id']!r} was already accepted with a different body",
            "id-conflict",
        )
    if answer.status == "created":
        metrics.accepted(event["type"])
        app[appkeys.DISPATCHER].notify(answer.plugins)
    return web.Response(
        body=orjson.dumps(
            {
                "id": event["id"],
                "status_url": f"{settings.gateway.public_url or ''}/v1/events/{event['id']}",
                "deliveries": answer.plugins,
            }
        ),
        status=202,
        content_type="application/json",
        headers={"Idempotent-Replayed": "true"} if answer.status == "duplicate" else None,
    )
