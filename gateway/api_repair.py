"""Repair in bulk and pausing a plugin, for operators (issue 14, points 4 and 5).

Bulk calls take a filter of dead letters. Without `expect_count` they are a
dry run that answers the count; with it they act, or answer 409 with the
count found if the filter no longer selects that many. Dismissing and
pausing need a reason, kept in the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from gateway import appkeys
from gateway.api_common import json_object, reason_of, visible_or_404
from gateway.auth import AUDIT_REASON, AUDIT_TARGETS, actor_of, require
from gateway.http_input import aware_moment, has_control
from gateway.problems import ProblemError
from gateway.store import bulk, pauses, retention

FILTER_KEYS = ("plugin", "type", "error_kind", "error_contains", "since", "until", "department")


def _invalid(where: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Invalid request",
        f"{where}: {message}",
        "invalid-request",
        errors=[{"path": where, "message": message}],
    )


def _text(body: dict[str, Any], key: str, *, limit: int = 500) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit or has_control(value):
        raise _invalid(f"$.{key}", f"must be one line of text, 1 to {limit} characters")
    return value


def _moment(body: dict[str, Any], key: str) -> datetime | None:
    value = _text(body, key, limit=64)
    if value is None:
        return None
    try:
        return aware_moment(value)
    except ValueError as exc:
        raise _invalid(f"$.{key}", str(exc)) from None


def _scope(request: web.Request, body: dict[str, Any]) -> Any:
    """The operator's own departments, narrowed by a `department` the filter names."""
    departments = request.app[appkeys.DEPARTMENTS]
    actor = actor_of(request)
    named = _text(body, "department", limit=64)
    if named is None:
        return departments.scope_of(actor)
    if named not in departments.departments:
        raise _invalid("$.department", f"no department named {named!r}")
    if actor.departments is not None and named not in actor.departments:
        raise _invalid("$.department", f"{actor.name} is not in {named!r}")
    return departments.clause([named])


def _filter(request: web.Request, body: dict[str, Any]) -> bulk.DeadFilter:
    unknown = sorted(set(body) - {*FILTER_KEYS, "expect_count", "reason"})
    if unknown:
        raise _invalid("$", f"unknown field(s): {', '.join(unknown)}")
    return bulk.DeadFilter(
        scope=_scope(request, body),
        plugin=_text(body, "plugin", limit=64),
        event_type=_text(body, "type", limit=128),
        error_kind=_text(body, "error_kind", limit=32),
        error_contains=_text(body, "error_contains"),
        since=_moment(body, "since"),
        until=_moment(body, "until"),
    )


def _expected(body: dict[str, Any]) -> int | None:
    value = body.get("expect_count")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= bulk.MAX_BULK:
        raise _invalid("$.expect_count", f"must be a whole number from 0 to {bulk.MAX_BULK}")
    return value


async def _bulk(request: web.Request, action: str) -> web.Response:
    body = await json_object(request)
    chosen, expect = _filter(request, body), _expected(body)
    reason = None
    if "reason" in body or (action == "dismiss" and expect is not None):
        reason = request[AUDIT_REASON] = reason_of(body)
    request[AUDIT_TARGETS] = {
        "filter": {k: body[k] for k in FILTER_KEYS if k in body},
        "expect_count": expect,
    }
    store = request.app[appkeys.STORE]
    try:
        if expect is None:
            found = await bulk.count(store, chosen, replayable=action == "replay")
            return web.json_response({"action": action, "dry_run": True, "count": found})
        if action == "replay":
            plugins = await bulk.replay(store, chosen, expect)
            request.app[appkeys.DISPATCHER].notify(plugins)
            return web.json_response(
                {"action": action, "count": expect, "plugins": plugins}, status=202
            )
        done = await bulk.dismiss(store, chosen, expect, reason or "", actor_of(request).name)
        return web.json_response({"action": action, "count": done})
    except bulk.TooMany as exc:
        raise _invalid("$", str(exc)) from None
    except bulk.CountChanged as exc:
        raise ProblemError(
            409,
            "Count changed",
            f"the filter selects {exc.found}, not {expect}: nothing was done; count again",
            "count-changed",
            count=exc.found,
        ) from None


@require("operator", action="bulk_replay")
async def replay_dead_letters(request: web.Request) -> web.Response:
    return await _bulk(request, "replay")


@require("operator", action="bulk_dismiss")
async def dismiss_dead_letters(request: web.Request) -> web.Response:
    return await _bulk(request, "dismiss")


@require("admin", action="purge")
async def purge_event(request: web.Request) -> web.Response:
    """Drop a settled event's personal data now, before retention would; its history stays."""
    event_id = request.match_info["event_id"]
    await visible_or_404(request, event_id)
    request[AUDIT_REASON] = reason_of(await json_object(request))
    purged = await retention.purge_event(request.app[appkeys.STORE], event_id)
    if not purged:
        raise ProblemError(
            409,
            "Not purged",
            "the event still has deliveries pending, or its payload is already purged",
            "not-purged",
        )
    return web.json_response({"id": event_id, "purged": True})


def _known_plugin(request: web.Request) -> str:
    name = request.match_info["plugin"]
    if name not in request.app[appkeys.SETTINGS].plugins:
        raise ProblemError(404, "Not Found", f"no plugin named {name!r} is configured", "not-found")
    return name


@require("admin", action="pause")
async def pause_plugin(request: web.Request) -> web.Response:
    """Stop claiming the plugin's deliveries, in every process, until resumed; nothing is dropped."""
    name = _known_plugin(request)
    reason = request[AUDIT_REASON] = reason_of(await json_object(request))
    newly = await pauses.pause(request.app[appkeys.STORE], name, reason, actor_of(request).name)
    return web.json_response({"plugin": name, "paused": True, "already_paused": not newly})


@require("admin", action="resume")
async def resume_plugin(request: web.Request) -> web.Response:
    name = _known_plugin(request)
    was = await pauses.resume(request.app[appkeys.STORE], name)
    request.app[appkeys.DISPATCHER].notify([name])
    return web.json_response({"plugin": name, "paused": False, "was_paused": was})
