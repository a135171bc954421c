"""The console's event search: by request id, subject, protocol number, ΑΦΜ, type, status,
plugin, department and time, newest or oldest first, a page at a time.

Each criterion uses an index (subject, `events.afm`, the type, a delivery's
plugin) or narrows a scan that walks `seq` from one end and stops after a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select

from gateway.states import overall_status
from gateway.store import Store
from gateway.store.models import deliveries, events
from gateway.store.views import delivery_states, status_condition

PAGE = 25


@dataclass(frozen=True)
class Criteria:
    request_id: str = ""
    subject: str = ""
    protocol_number: str = ""
    afm: str = ""
    type: str = ""
    status: str = ""
    plugin: str = ""
    since: datetime | None = None
    until: datetime | None = None
    #: "newest" (the default), "oldest", or "type" (then newest within a type)
    sort: str = "newest"
    page: int = 1
    #: departments, as an SQL condition (DepartmentMap.clause); None: every department
    scope: Any = None


def _where(chosen: Criteria) -> list[Any]:
    found: list[Any] = []
    if chosen.request_id:
        wanted = chosen.request_id
        found.append(
            or_(
                events.c.subject.in_([f"request/{wanted}", f"payment/{wanted}", wanted]),
                events.c.id == wanted,
            )
        )
    if chosen.subject:
        found.append(events.c.subject == chosen.subject)
    if chosen.afm:
        found.append(events.c.afm == chosen.afm)
    if chosen.protocol_number:
        referenced = select(deliveries.c.event_id).where(
            deliveries.c.reference == chosen.protocol_number
        )
        found.append(events.c.id.in_(referenced))
    if chosen.type:
        found.append(events.c.type == chosen.type)
    if chosen.status:
        found.append(status_condition(chosen.status))
    if chosen.plugin:
        found.append(
            exists().where(
                deliveries.c.event_id == events.c.id, deliveries.c.plugin == chosen.plugin
            )
        )
    if chosen.since:
        found.append(events.c.received_at >= chosen.since)
    if chosen.until:
        found.append(events.c.received_at < chosen.until)
    if chosen.scope is not None:
        found.append(chosen.scope)
    return found


async def search(store: Store, chosen: Criteria) -> tuple[list[dict[str, Any]], bool]:
    """One page of events and whether there is another after it."""
    order = [events.c.seq.asc() if chosen.sort == "oldest" else events.c.seq.desc()]
    if chosen.sort == "type":  # the index on (type, seq) serves this order
        order.insert(0, events.c.type.asc())
    query = select(
        events.c.id, events.c.type, events.c.subject, events.c.received_at, events.c.envelope
    )
    conditions = _where(chosen)
    if conditions:
        query = query.where(and_(*conditions))
    query = query.order_by(*order).offset((chosen.page - 1) * PAGE).limit(PAGE + 1)
    async with store.read() as connection:
        rows = (await connection.execute(query)).all()
        page = rows[:PAGE]
        states = await delivery_states(connection, [row.id for row in page])
    items = []
    for row in page:
        data = (row.envelope or {}).get("data") or {}
        mine = states.get(row.id, {})
        items.append(
            {
                "id": row.id,
                "type": row.type,
                "subject": row.subject,
                "request_type": data.get("request_type") if isinstance(data, dict) else None,
                "amount": data.get("amount") if isinstance(data, dict) else None,
                "received_at": row.received_at,
                "status": overall_status(list(mine.values())),
                "deliveries": mine,
            }
        )
    return items, len(rows) > PAGE
