"""The daily digest: yesterday's work per backend and what still needs a person, by e-mail.

FixMyStreet e-mails councils a summary of stuck reports; Hook0's users had a
40-minute lag that no one was told of. At `[digest] at` (Athens time) one
process (a lease in the database) sends IT, and each department named in
`[digest] departments`, yesterday's deliveries per backend by outcome and
the dead letters and in-doubt deliveries still open, each with a link to its
event (the console's page when the console is on).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from gateway.config import Settings
from gateway.departments import DepartmentMap
from gateway.domain import athens
from gateway.logs import mask
from gateway.plugin_api import Connector, Mailer
from gateway.states import Outcome
from gateway.store import Store, jobs, views
from gateway.store.models import deliveries, events, utcnow

log = logging.getLogger("gateway.digest")
ATHENS = athens.ATHENS
JOB = "digest"
LEASE_SECONDS = 300.0
LISTED = 50  # open items listed by name; the rest are counted
STATES = {"succeeded": "ολοκληρώθηκαν", "dead": "απέτυχαν", "dismissed": "απορρίφθηκαν"}


@dataclass(frozen=True)
class Audience:
    """Who a digest is for: IT (every department) or one department."""

    title: str
    to: list[str]
    scope: Any = None  # an SQL condition over events; None: everything


def _link(settings: Settings, event_id: str) -> str:
    base = (settings.gateway.public_url or "").rstrip("/")
    page = "/console/events/" if settings.console.enabled else "/v1/events/"
    return f"{base}{page}{quote(event_id, safe='')}"


async def _yesterday(store: Store, day: date, scope: Any) -> dict[str, dict[str, int]]:
    start, end = athens.day_bounds(day)
    query = (
        select(deliveries.c.plugin, deliveries.c.state, func.count())
        .join(events, events.c.id == deliveries.c.event_id)
        .where(deliveries.c.finished_at >= start, deliveries.c.finished_at < end)
        .group_by(deliveries.c.plugin, deliveries.c.state)
    )
    if scope is not None:
        query = query.where(scope)
    found: dict[str, dict[str, int]] = {}
    async with store.read() as connection:
        for plugin, state, number in await connection.execute(query):
            found.setdefault(plugin, {})[state] = number
    return found


async def compose(
    store: Store, settings: Settings, day: date, audience: Audience
) -> tuple[str, str]:
    """The subject and plain text of one audience's digest of `day`."""
    done = await _yesterday(store, day, audience.scope)
    letters = await views.dead_letters(store, limit=1000, scope=audience.scope)
    doubt = [item for item in letters if item["error_kind"] == Outcome.OUTCOME_UNKNOWN]
    dead = [item for item in letters if item["error_kind"] != Outcome.OUTCOME_UNKNOWN]
    shown = day.strftime("%d/%m/%Y")
    subject = (
        f"Πύλη διασύνδεσης — σύνοψη {shown}{' — ' + audience.title if audience.title else ''}: "
        f"{len(dead)} αποτυχημένες, {len(doubt)} αβέβαιες"
    )
    lines = [
        f"Σύνοψη της {shown} (ώρα Αθήνας){' για ' + audience.title if audience.title else ''}.",
        "",
    ]
    lines.append("Παραδόσεις που ολοκληρώθηκαν χθες, ανά σύστημα:")
    for plugin in sorted(done) or ["—"]:
        counts = done.get(plugin, {})
        words = ", ".join(f"{counts[s]} {STATES.get(s, s)}" for s in sorted(counts))
        lines.append(f"  {plugin}: {words or 'καμία'}")
    for title, items in (
        ("Αβέβαιες παραδόσεις (ελέγξτε το σύστημα, επιβεβαιώστε ή αποδεσμεύστε)", doubt),
        ("Αποτυχημένες παραδόσεις ακόμη ανοιχτές", dead),
    ):
        lines += ["", f"{title}: {len(items)}"]
        for item in items[:LISTED]:
            reason = mask((item["reason"] or "")[:160])
            lines.append(f"  - {item['plugin']} · {item['event_type']} · {reason}")
            lines.append(f"    {_link(settings, item['event_id'])}")
        if len(items) > LISTED:
            lines.append(f"  … και {len(items) - LISTED} ακόμη")
    return subject, "\n".join(lines) + "\n"


def audiences(settings: Settings, departments: DepartmentMap) -> list[Audience]:
    found = [Audience("", list(settings.digest.to))] if settings.digest.to else []
    for name, addresses in settings.digest.departments.items():
        if name in departments.departments and addresses:
            section = departments.departments[name]
            found.append(Audience(section.name, list(addresses), departments.clause([name])))
    return found


def mailer_of(connectors: dict[str, Connector]) -> Mailer | None:
    return next((c for c in connectors.values() if isinstance(c, Mailer)), None)


async def send_if_due(
    store: Store,
    settings: Settings,
    departments: DepartmentMap,
    connectors: dict[str, Connector],
    holder: str,
    now: datetime | None = None,
) -> bool:
    """Send today's digest (of yesterday) if it is time and no process has; True when sent here."""
    local = (now or utcnow()).astimezone(ATHENS)
    if local.strftime("%H:%M") < settings.digest.at:
        return False
    today = local.date().isoformat()
    if await jobs.done_on(store, JOB, today):
        return False
    mailer = mailer_of(connectors)
    if mailer is None:
        log.error("digest: no plugin can send mail (enable the email plugin)")
        return False
    if not await jobs.take(store, JOB, today, holder, LEASE_SECONDS):
        return False
    try:
        for audience in audiences(settings, departments):
            subject, text = await compose(store, settings, athens.yesterday(local), audience)
            await mailer.send_text(audience.to, subject, text)
    except Exception:
        log.exception("digest: sending failed; another try in a minute")
        await jobs.finish(store, JOB, today, holder, done=False)
        return False
    await jobs.finish(store, JOB, today, holder, done=True)
    log.info("digest: sent for %s", today)
    return True


async def run_daily(
    store: Store,
    settings: Settings,
    departments: DepartmentMap,
    connectors: dict[str, Connector],
    holder: str,
    every: float = 30.0,
) -> None:
    """Look at once, then every `every` seconds; the lease makes one process send, once a day."""
    while True:
        try:
            await send_if_due(store, settings, departments, connectors, holder)
        except Exception:
            log.exception("digest: the check failed")
        await asyncio.sleep(every)
