"""What the console changes: reveal, replay, bulk repair, settle in doubt, pause and resume.

Each is a form posted with the session's CSRF token (checked before any of
this runs), is allowed by role as the API allows it, and is audited done or
refused, with the operator's reason, exactly like its API twin.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from gateway import appkeys, settlement
from gateway.api_common import valid_reason
from gateway.auth import AUDIT_REASON, AUDIT_TARGETS, audit_action
from gateway.console import pages
from gateway.console.web import PREFIX, Refused, actor, form, go, render, words
from gateway.errors import InvalidInputError
from gateway.store import bulk, pauses, repair


async def _allowed(request: web.Request, role: str, action: str) -> None:
    if not actor(request).may(role):
        await audit_action(request, action, 403)
        raise Refused(403, "forbidden")


def _reason(fields: dict[str, str]) -> str | None:
    return valid_reason(fields.get("reason", "").strip())


def _error(request: web.Request, field: str, key: str, **values: Any) -> dict[str, str]:
    return {"field": field, "message": words(request).f(key, **values)}


async def reveal(request: web.Request) -> web.Response:
    await pages.visible_event(request, request.match_info["event_id"])
    await audit_action(request, "reveal", 200)
    return await pages.event_page(request, revealed=True)


async def replay(request: web.Request) -> web.StreamResponse:
    await _allowed(request, "operator", "replay")
    event_id = request.match_info["event_id"]
    await pages.visible_event(request, event_id)
    plugins = await repair.replay(request.app[appkeys.STORE], event_id) or []
    request.app[appkeys.DISPATCHER].notify(plugins)
    await audit_action(request, "replay", 202 if plugins else 200)
    raise go(f"{PREFIX}/events/{event_id}?done=replay")


def _bulk_filter(request: web.Request, fields: dict[str, str]) -> bulk.DeadFilter:
    return bulk.DeadFilter(
        scope=request.app[appkeys.DEPARTMENTS].scope_of(actor(request)),
        plugin=fields.get("plugin") or None,
        error_kind=fields.get("error_kind") or None,
        error_contains=fields.get("error_contains") or None,
    )


def _bulk_fields(source: Any) -> dict[str, str]:
    chosen = {
        key: str(source.get(key, ""))[:500] for key in ("plugin", "error_kind", "error_contains")
    }
    action = str(source.get("action", "replay"))
    chosen["action"] = action if action in ("replay", "dismiss") else "replay"
    return chosen


async def _bulk_page(
    request: web.Request, chosen: dict[str, str], status: int = 200, **context: Any
) -> web.Response:
    found = await bulk.count(
        request.app[appkeys.STORE],
        _bulk_filter(request, chosen),
        replayable=chosen["action"] == "replay",
    )
    return render(
        request,
        "bulk.html",
        status,
        page="dead",
        title=words(request).bulk_title,
        chosen=chosen,
        count=found,
        errors=context.pop("errors", []),
        reason=context.pop("reason", ""),
        **context,
    )


async def bulk_preview(request: web.Request) -> web.Response:
    """The dry run: how many dead letters the chosen group holds now, and the form to act."""
    await _allowed(request, "operator", "bulk_preview")
    return await _bulk_page(request, _bulk_fields(request.query))


async def bulk_act(request: web.Request) -> web.StreamResponse:
    fields = await form(request)
    chosen = _bulk_fields(fields)
    action = "bulk_" + chosen["action"]
    await _allowed(request, "operator", action)
    expect = fields.get("expect_count", "")
    reason = _reason(fields)
    errors = []
    if reason is None:
        errors.append(_error(request, "reason", "reason_missing"))
    if fields.get("confirmed") != "yes":
        errors.append(_error(request, "confirmed", "confirm_missing"))
    if not (expect.isascii() and expect.isdigit() and len(expect) < 7):
        errors.append(_error(request, "confirmed", "confirm_missing"))
    if errors:
        return await _bulk_page(
            request, chosen, 400, errors=errors, reason=fields.get("reason", "")
        )
    request[AUDIT_REASON] = reason or ""
    request[AUDIT_TARGETS] = {
        "filter": {k: v for k, v in chosen.items() if v},
        "expect_count": expect,
    }
    store = request.app[appkeys.STORE]
    try:
        if chosen["action"] == "replay":
            plugins = await bulk.replay(store, _bulk_filter(request, chosen), int(expect))
            request.app[appkeys.DISPATCHER].notify(plugins)
            done = "replayed"
        else:
            await bulk.dismiss(
                store, _bulk_filter(request, chosen), int(expect), reason or "", actor(request).name
            )
            done = "dismissed"
    except (bulk.CountChanged, bulk.TooMany) as exc:
        await audit_action(request, action, 409)
        found = exc.found if isinstance(exc, bulk.CountChanged) else bulk.MAX_BULK
        errors = [_error(request, "confirmed", "count_changed", n=found)]
        return await _bulk_page(
            request, chosen, 409, errors=errors, reason=fields.get("reason", "")
        )
    await audit_action(request, action, 200)
    raise go(f"{PREFIX}/dead-letters?{urlencode({'done': done, 'n': expect})}")


async def _settle_failed(request: web.Request, message: str, action: str) -> web.Response:
    await audit_action(request, action, 422)
    return await pages.in_doubt_page(request, errors=[{"field": "reason", "message": message}])


async def confirm(request: web.Request) -> web.StreamResponse:
    await _allowed(request, "operator", "confirm")
    event_id, plugin = request.match_info["event_id"], request.match_info["plugin"]
    await pages.visible_event(request, event_id)
    fields = await form(request)
    reason = _reason(fields)
    if reason is None:
        return await _settle_failed(request, words(request).reason_missing, "confirm")
    request[AUDIT_REASON] = reason
    app = request.app
    connector = app[appkeys.CONNECTORS].get(plugin)
    names = [field.name for field in getattr(connector, "confirm_fields", ())]
    facts = {name: fields.get(name, "").strip() for name in names}
    try:
        _result, created = await settlement.confirm(
            app[appkeys.STORE],
            plugin,
            connector,
            event_id,
            facts,
            app[appkeys.SCHEMAS],
            app[appkeys.ROUTER].plugins_for,
        )
    except InvalidInputError as exc:
        return await _settle_failed(request, exc.message, "confirm")
    except (settlement.NotInDoubt, settlement.CannotSettle) as exc:
        return await _settle_failed(request, str(exc), "confirm")
    app[appkeys.DISPATCHER].notify({p for item in created for p in item.plugins})
    await audit_action(request, "confirm", 200)
    raise go(f"{PREFIX}/in-doubt?done=confirmed")


async def release(request: web.Request) -> web.StreamResponse:
    await _allowed(request, "operator", "release")
    event_id, plugin = request.match_info["event_id"], request.match_info["plugin"]
    await pages.visible_event(request, event_id)
    reason = _reason(await form(request))
    if reason is None:
        return await _settle_failed(request, words(request).reason_missing, "release")
    request[AUDIT_REASON] = reason
    app = request.app
    try:
        await settlement.release(
            app[appkeys.STORE], plugin, app[appkeys.CONNECTORS].get(plugin), event_id
        )
    except (settlement.NotInDoubt, settlement.CannotSettle) as exc:
        return await _settle_failed(request, str(exc), "release")
    app[appkeys.DISPATCHER].notify([plugin])
    await audit_action(request, "release", 202)
    raise go(f"{PREFIX}/in-doubt?done=released")


async def _pause_or_resume(request: web.Request, action: str) -> web.StreamResponse:
    await _allowed(request, "admin", action)
    name = request.match_info["plugin"]
    if name not in request.app[appkeys.CONNECTORS]:
        raise Refused(404, "not_found")
    reason = _reason(await form(request))
    if reason is None:
        return render(
            request,
            "backends.html",
            400,
            page="backends",
            title=words(request).backends,
            backends=await pages.backend_states(request),
            done=None,
            errors=[{"field": f"reason-{name}", "message": words(request).reason_missing}],
        )
    request[AUDIT_REASON] = reason
    store = request.app[appkeys.STORE]
    if action == "pause":
        await pauses.pause(store, name, reason, actor(request).name)
    else:
        await pauses.resume(store, name)
        request.app[appkeys.DISPATCHER].notify([name])
    await audit_action(request, action, 200)
    done = "paused" if action == "pause" else "resumed"
    raise go(f"{PREFIX}/backends?{urlencode({'done': done, 'plugin': name})}")


async def pause(request: web.Request) -> web.StreamResponse:
    return await _pause_or_resume(request, "pause")


async def resume(request: web.Request) -> web.StreamResponse:
    return await _pause_or_resume(request, "resume")
