"""Read and repair: event status, lists, replay, dead letters, look-ups, health and metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from gateway import appkeys, settlement
from gateway.api_common import json_object, masked, not_found, reason_of, visible_or_404
from gateway.auth import AUDIT_REASON, actor_of, audit_action, require
from gateway.errors import (
    ConfigurationError,
    GatewayError,
    InvalidInputError,
    NotFoundError,
    PermanentError,
    ThrottledError,
)
from gateway.http_input import ascii_int
from gateway.problems import ProblemError
from gateway.states import DeliveryState
from gateway.store import pauses, repair, views
from gateway.store.models import utcnow

READY_TIMEOUT = 5.0


@require("portal")
async def get_event(request: web.Request) -> web.Response:
    """The portal reads its own events whole; staff see ΑΦΜ and e-mail masked unless they
    ask `?reveal=true`, which is audited."""
    event_id = request.match_info["event_id"]
    actor = actor_of(request)
    view = await views.event_view(request.app[appkeys.STORE], event_id)
    departments = request.app[appkeys.DEPARTMENTS]
    if view is None or not departments.sees(actor, view["type"], view["data"]):
        raise not_found(event_id)
    if actor.is_staff:
        if request.query.get("reveal") == "true":
            await audit_action(request, "reveal", 200)
        else:
            view["data"] = masked(view["data"])
    return web.json_response(view)


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    return default if raw is None else ascii_int(raw, f"query.{name}", low, high)


@require("viewer")
async def list_events(request: web.Request) -> web.Response:
    status = request.query.get("status")
    if status is not None and status not in views.EVENT_STATUSES:
        raise ProblemError(
            400,
            "Bad query parameter",
            f"status must be one of {', '.join(views.EVENT_STATUSES)}",
            "bad-parameter",
            errors=[{"path": "query.status", "message": f"{status!r} is not a status"}],
        )
    cursor = request.query.get("cursor")
    if cursor is not None:
        try:
            views.decode_cursor(cursor)
        except ValueError:
            raise ProblemError(
                400,
                "Bad query parameter",
                "cursor is not one this API issued",
                "bad-parameter",
                errors=[{"path": "query.cursor", "message": "unknown cursor"}],
            ) from None
    page = await views.list_events(
        request.app[appkeys.STORE],
        status=status,
        type=request.query.get("type"),
        subject=request.query.get("subject"),
        limit=_int_param(request, "limit", 50, 1, 500),
        cursor=cursor,
        scope=request.app[appkeys.DEPARTMENTS].scope_of(actor_of(request)),
    )
    return web.json_response(page)


@require("operator", action="replay")
async def replay_event(request: web.Request) -> web.Response:
    event_id = request.match_info["event_id"]
    await visible_or_404(request, event_id)
    plugins = await repair.replay(request.app[appkeys.STORE], event_id)
    if plugins is None:
        raise not_found(event_id)
    request.app[appkeys.DISPATCHER].notify(plugins)
    return web.json_response({"id": event_id, "replayed": plugins}, status=202 if plugins else 200)


def _settle_problem(exc: Exception, plugin: str) -> ProblemError:
    if isinstance(exc, InvalidInputError):
        return ProblemError(422, "Invalid input", exc.message, "invalid-input", plugin=plugin)
    if isinstance(exc, settlement.NoSuchDelivery):
        return ProblemError(404, "Not Found", str(exc), "not-found")
    if isinstance(exc, settlement.NotInDoubt):
        return ProblemError(409, "Not in doubt", str(exc), "not-in-doubt", plugin=plugin)
    return ProblemError(409, "Cannot settle", str(exc), "cannot-settle", plugin=plugin)


@require("operator", action="confirm")
async def confirm_delivery(request: web.Request) -> web.Response:
    """An operator read in the backend what an in-doubt attempt did; settle it as succeeded."""
    event_id, plugin = request.match_info["event_id"], request.match_info["plugin"]
    await visible_or_404(request, event_id)
    facts = await json_object(request)
    request[AUDIT_REASON] = reason_of(facts)
    app = request.app
    try:
        result, created = await settlement.confirm(
            app[appkeys.STORE],
            plugin,
            app[appkeys.CONNECTORS].get(plugin),
            event_id,
            facts,
            app[appkeys.SCHEMAS],
            app[appkeys.ROUTER].plugins_for,
        )
    except (InvalidInputError, settlement.NotInDoubt, settlement.CannotSettle) as exc:
        raise _settle_problem(exc, plugin) from None
    app[appkeys.DISPATCHER].notify({p for item in created for p in item.plugins})
    return web.json_response(
        {
            "id": event_id,
            "plugin": plugin,
            "state": DeliveryState.SUCCEEDED,
            "result": result,
            "emitted": [item.id for item in created],
        }
    )


@require("operator", action="release")
async def release_delivery(request: web.Request) -> web.Response:
    """An operator found nothing in the backend: send the in-doubt delivery again."""
    event_id, plugin = request.match_info["event_id"], request.match_info["plugin"]
    await visible_or_404(request, event_id)
    request[AUDIT_REASON] = reason_of(await json_object(request))
    app = request.app
    try:
        await settlement.release(
            app[appkeys.STORE], plugin, app[appkeys.CONNECTORS].get(plugin), event_id
        )
    except (settlement.NotInDoubt, settlement.CannotSettle) as exc:
        raise _settle_problem(exc, plugin) from None
    app[appkeys.DISPATCHER].notify([plugin])
    return web.json_response(
        {"id": event_id, "plugin": plugin, "state": DeliveryState.PENDING}, status=202
    )


@require("viewer")
async def dead_letters(request: web.Request) -> web.Response:
    items = await views.dead_letters(
        request.app[appkeys.STORE],
        plugin=request.query.get("plugin"),
        limit=_int_param(request, "limit", 100, 1, 1000),
        scope=request.app[appkeys.DEPARTMENTS].scope_of(actor_of(request)),
    )
    return web.json_response({"items": items})


@require("portal")
async def run_lookup(request: web.Request) -> web.Response:
    name, key = request.match_info["lookup"], request.match_info["key"]
    found = request.app[appkeys.LOOKUPS].get(name)
    if found is None:
        raise ProblemError(404, "Not Found", f"no look-up named {name!r} is enabled", "not-found")
    plugin, lookup = found
    scope = request.match_info.get("scope")
    if (scope is None) != (lookup.scope is None):
        shape = f"{{{lookup.scope}}}/{{key}}" if lookup.scope else "{key}"
        raise ProblemError(
            404, "Not Found", f"look-up {name!r} is /v1/lookups/{name}/{shape}", "not-found"
        )
    query: Mapping[str, str] = request.query
    if lookup.scope is not None and scope is not None:
        query = {**request.query, lookup.scope: scope}
    timeout = request.app[appkeys.SETTINGS].plugins[plugin].timeout
    try:
        # the plugin's own timeout holds for the whole look-up, however slowly the backend trickles
        async with asyncio.timeout(timeout):
            body = await lookup.handler(key, query)
    except ThrottledError as exc:
        raise ProblemError(
            503,
            "Backend limit reached",
            exc.message,
            "throttled",
            headers={"Retry-After": str(int(exc.retry_after) + 1)},
            plugin=plugin,
        ) from None
    except InvalidInputError as exc:
        raise ProblemError(
            422, "Invalid input", exc.message, "invalid-input", plugin=plugin, code=exc.code
        ) from None
    except NotFoundError as exc:
        raise ProblemError(
            404, "Not Found", exc.message, "not-found", plugin=plugin, code=exc.code
        ) from None
    except ConfigurationError as exc:
        raise ProblemError(
            503,
            "Backend misconfigured",
            exc.message,
            "backend-misconfigured",
            plugin=plugin,
            code=exc.code,
        ) from None
    except PermanentError as exc:
        raise ProblemError(
            422,
            "Refused by the backend",
            exc.message,
            "backend-refused",
            plugin=plugin,
            code=exc.code,
        ) from None
    except TimeoutError:
        raise ProblemError(
            502,
            "Backend unavailable",
            f"{plugin} did not answer within its timeout of {timeout:g}s",
            "backend-unavailable",
            plugin=plugin,
        ) from None
    except (GatewayError, OSError) as exc:
        message = exc.message if isinstance(exc, GatewayError) else str(exc) or type(exc).__name__
        raise ProblemError(
            502, "Backend unavailable", message, "backend-unavailable", plugin=plugin
        ) from None
    return web.json_response(dict(body))


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _plugins_health(app: web.Application) -> dict[str, dict[str, Any]]:
    """Each enabled plugin's backend health (cached for `health_interval`) and its breaker."""
    results = await app[appkeys.HEALTH].current()
    breakers = app[appkeys.DISPATCHER].breakers()
    held = await pauses.paused(app[appkeys.STORE])
    return {
        name: {
            "ok": bool(health.ok),
            "detail": health.detail,
            "breaker": breakers.get(name),
            "paused": held[name].as_dict() if name in held else None,
        }
        for name, health in results.items()
    }


@require("viewer")
async def plugin_health(request: web.Request) -> web.Response:
    """Every backend's health for IT staff; 200 whatever it says (intake may still work)."""
    plugins = await _plugins_health(request.app)
    healthy = all(item["ok"] for item in plugins.values())
    return web.json_response({"status": "ok" if healthy else "degraded", "plugins": plugins})


async def readyz(request: web.Request) -> web.Response:
    """Can this process accept events? Its config loaded and its database writable; nothing else.

    A backend being down does not make it unready: intake stores the event and
    delivery waits. A load balancer probes this; a monitor probes /v1/health
    and the metrics for the backends.
    """
    app = request.app
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await app[appkeys.STORE].writable()
        database = {"ok": True, "detail": "writable"}
    except Exception as exc:
        database = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    ready = bool(database["ok"])
    return web.json_response(
        {"status": "ready" if ready else "unready", "database": database, "config": "loaded"},
        status=200 if ready else 503,
    )


async def metrics(request: web.Request) -> web.Response:
    app = request.app
    registry = app[appkeys.METRICS]
    try:
        connectors = app[appkeys.CONNECTORS]
        registry.set_queue_depth(await views.queue_depth(app[appkeys.STORE]), list(connectors))
        queues = await views.queue_health(app[appkeys.STORE])
        registry.set_queue_health(queues, list(connectors), utcnow())
    except Exception:
        pass  # metrics must answer even when the database does not
    for name, lane in app[appkeys.DISPATCHER].lanes.items():
        registry.set_breaker(name, lane.breaker.state)
    for name, health in (await app[appkeys.HEALTH].current()).items():
        registry.set_backend_up(name, health.ok)
    try:
        held = await pauses.paused(app[appkeys.STORE])
        for name in app[appkeys.CONNECTORS]:
            registry.set_paused(name, name in held)
    except Exception:
        pass  # metrics must answer even when the database does not
    return web.Response(
        body=registry.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
    )
