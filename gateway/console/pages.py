"""The console's pages: overview, events, one event's timeline, dead letters, in doubt,
backends and the audit log. Read only; what changes anything is in `actions`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from gateway import appkeys
from gateway.api_common import masked
from gateway.console import chart, lists, search
from gateway.console.formats import ATHENS, as_moment
from gateway.console.overview import Queue, queues
from gateway.console.web import Refused, actor, render, words
from gateway.domain.afm import normalize_afm
from gateway.states import DeliveryState, Outcome
from gateway.store import audit, pauses, views
from gateway.store.models import utcnow

DONE_KEYS = {
    "replayed": "done_replayed",
    "dismissed": "done_dismissed",
    "paused": "done_paused",
    "resumed": "done_resumed",
    "confirmed": "done_confirmed",
    "released": "done_released",
    "replay": "done_replay",
}


def done_message(request: web.Request) -> str | None:
    """The outcome of the form just posted, shown once after its redirect."""
    key = DONE_KEYS.get(request.query.get("done", ""))
    if key is None:
        return None
    number = request.query.get("n", "")
    plugin = request.query.get("plugin", "")
    return words(request).f(key, n=number if number.isdigit() else "", plugin=plugin[:64])


async def backend_states(request: web.Request) -> list[dict[str, Any]]:
    """Each enabled plugin: health, breaker, pause, and its queue."""
    app = request.app
    connectors = app[appkeys.CONNECTORS]
    names = list(connectors)
    health = await app[appkeys.HEALTH].current()
    breakers = app[appkeys.DISPATCHER].breakers()
    held = await pauses.paused(app[appkeys.STORE])
    now = utcnow()
    found = await queues(app[appkeys.STORE], names, now)
    t = words(request)
    rows = []
    for name in names:
        queue = found.get(name, Queue())
        label = t.f(
            "chart_alt",
            plugin=name,
            succeeded=queue.total(Outcome.SUCCEEDED),
            failed=queue.total(Outcome.TRANSIENT) + queue.total(Outcome.PERMANENT),
            unknown=queue.total(Outcome.OUTCOME_UNKNOWN),
            other=queue.other(),
        )
        oldest = queue.oldest_pending
        rows.append(
            {
                "name": name,
                "health": health.get(name),
                "breaker": (breakers.get(name) or {}).get("state", "closed"),
                "breaker_reason": (breakers.get(name) or {}).get("reason"),
                "pause": held.get(name),
                "queue": queue,
                "oldest_age": (now - oldest).total_seconds() if oldest else None,
                "chart": chart.bars(queue, label),
                "chart_text": label,
            }
        )
    return rows


async def overview(request: web.Request) -> web.Response:
    return render(
        request,
        "overview.html",
        page="overview",
        title=words(request).overview,
        backends=await backend_states(request),
    )


async def backends(request: web.Request) -> web.Response:
    return render(
        request,
        "backends.html",
        page="backends",
        title=words(request).backends,
        backends=await backend_states(request),
        done=done_message(request),
        errors=[],
    )


def _day(raw: str, end: bool) -> datetime | None:
    """A dd/mm/yyyy (or yyyy-mm-dd, from a date input) Athens day as its UTC start or end."""
    text = raw.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text, pattern)
        except ValueError:
            continue
        start = day.replace(tzinfo=ATHENS)
        return start + timedelta(days=1) if end else start
    raise ValueError(raw)


def _date_range(
    request: web.Request, chosen: dict[str, str]
) -> tuple[dict[str, datetime | None], list[dict[str, str]]]:
    """The `from` and `until` days of a form as UTC moments, and an error for each wrong one."""
    t = words(request)
    moments: dict[str, datetime | None] = {"from": None, "until": None}
    errors = []
    for key in ("from", "until"):
        if chosen[key]:
            try:
                moments[key] = _day(chosen[key], end=key == "until")
            except ValueError:
                errors.append({"field": key, "message": f"{t[key]}: {t.bad_date}"})
    return moments, errors


def _criteria(request: web.Request) -> tuple[search.Criteria, dict[str, str], list[dict[str, str]]]:
    query = {key: request.query.get(key, "").strip()[:128] for key in SEARCH_FIELDS}
    t = words(request)
    moments, errors = _date_range(request, query)
    afm = normalize_afm(query["afm"]) if query["afm"] else ""
    if afm and not (len(afm) == 9 and afm.isascii() and afm.isdigit()):
        errors.append({"field": "afm", "message": f"{t.afm}: {t.bad_afm}"})
    departments = request.app[appkeys.DEPARTMENTS]
    who = actor(request)
    scope = departments.scope_of(who)
    if query["department"] in departments.departments and (
        who.departments is None or query["department"] in who.departments
    ):
        scope = departments.clause([query["department"]])
    page = request.query.get("page", "1")
    query["sort"] = query["sort"] if query["sort"] in SORTS else ""
    chosen = search.Criteria(
        request_id=query["request_id"],
        subject=query["subject"],
        protocol_number=query["protocol_number"],
        afm=afm,
        type=query["type"],
        status=query["status"] if query["status"] in views.EVENT_STATUSES else "",
        plugin=query["plugin"],
        since=moments["from"],
        until=moments["until"],
        sort=query["sort"] or "newest",
        page=int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 5 else 1,
        scope=scope,
    )
    return chosen, query, errors


SORTS = ("newest", "oldest", "type")
SEARCH_FIELDS = (
    "request_id",
    "subject",
    "protocol_number",
    "afm",
    "type",
    "status",
    "plugin",
    "department",
    "from",
    "until",
    "sort",
)


async def events_page(request: web.Request) -> web.Response:
    chosen, query, errors = _criteria(request)
    items: list[dict[str, Any]] = []
    more = False
    if not errors:
        items, more = await search.search(request.app[appkeys.STORE], chosen)
    app = request.app
    who = actor(request)
    departments = {
        name: section.name
        for name, section in app[appkeys.DEPARTMENTS].departments.items()
        if who.departments is None or name in who.departments
    }
    kept = {key: value for key, value in query.items() if value}
    return render(
        request,
        "events.html",
        page="events",
        title=words(request).events,
        query=query,
        kept=kept,
        errors=errors,
        items=items,
        more=more,
        number=chosen.page,
        types=sorted(app[appkeys.SCHEMAS].known_types),
        statuses=views.EVENT_STATUSES,
        plugins=sorted(app[appkeys.CONNECTORS].keys()),
        departments=departments,
        # the catalogue's names, in the page's language
        type_names={
            name: entry.label(words(request).lang)
            for name, entry in app[appkeys.SETTINGS].request_types.items()
        },
    )


async def visible_event(request: web.Request, event_id: str) -> dict[str, Any]:
    view = await views.event_view(request.app[appkeys.STORE], event_id)
    if view is None or not request.app[appkeys.DEPARTMENTS].sees(
        actor(request), view["type"], view["data"]
    ):
        raise Refused(404, "not_found")
    return view


def _mails(view: dict[str, Any]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for delivery in view["deliveries"]:
        result = delivery.get("result") or {}
        if delivery["plugin"] == "email" and isinstance(result, dict):
            for key in ("sent", "already_sent", "confirmed_sent"):
                lines = result.get(key)
                if isinstance(lines, list):
                    found += [line for line in lines if isinstance(line, dict)]
    return found


async def event_page(request: web.Request, *, revealed: bool = False) -> web.Response:
    view = await visible_event(request, request.match_info["event_id"])
    data = view["data"]
    return render(
        request,
        "event.html",
        page="events",
        title=view["id"],
        event=view,
        payload=data if revealed else masked(data),
        revealed=revealed,
        mails=_mails(view),
        replayable=any(d["state"] == DeliveryState.DEAD for d in view["deliveries"]),
        done=done_message(request),
    )


async def event_timeline(request: web.Request) -> web.Response:
    return await event_page(request)


async def dead_letters_page(request: web.Request) -> web.Response:
    app = request.app
    scope = app[appkeys.DEPARTMENTS].scope_of(actor(request))
    return render(
        request,
        "dead.html",
        page="dead",
        title=words(request).dead,
        groups=await lists.dead_groups(app[appkeys.STORE], scope),
        recent=await views.dead_letters(app[appkeys.STORE], limit=25, scope=scope),
        done=done_message(request),
    )


async def in_doubt_page(
    request: web.Request, errors: list[dict[str, str]] | None = None
) -> web.Response:
    app = request.app
    scope = app[appkeys.DEPARTMENTS].scope_of(actor(request))
    items = await lists.in_doubt(app[appkeys.STORE], scope)
    connectors = app[appkeys.CONNECTORS]
    for item in items:
        item["fields"] = getattr(connectors.get(item["plugin"]), "confirm_fields", ())
    return render(
        request,
        "in_doubt.html",
        400 if errors else 200,
        page="in_doubt",
        title=words(request).in_doubt,
        items=items,
        errors=errors or [],
        done=done_message(request),
    )


async def in_doubt_list(request: web.Request) -> web.Response:
    return await in_doubt_page(request)


async def audit_page(request: web.Request) -> web.Response:
    if not actor(request).may("operator"):
        raise Refused(403, "forbidden")
    store = request.app[appkeys.STORE]
    fields = ("actor", "action", "from", "until")
    chosen = {key: request.query.get(key, "").strip()[:64] for key in fields}
    moments, errors = _date_range(request, chosen)
    checked, broken, why = await audit.verify(store)
    entries = []
    if not errors:
        entries = await audit.entries(
            store,
            actor=chosen["actor"] or None,
            action=chosen["action"] or None,
            since=moments["from"],
            until=moments["until"],
            limit=100,
        )
    for entry in entries:
        entry["at"] = as_moment(entry["at"])
    return render(
        request,
        "audit.html",
        page="audit",
        title=words(request).audit,
        chosen=chosen,
        errors=errors,
        entries=entries,
        checked=checked,
        broken=broken,
        why=why,
    )
