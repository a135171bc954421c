"""Daily payment reconciliation: the payments the portal sent against the receipts the back office holds.

The portal's payments of a day are the `payment.completed` events whose
`paid_at` falls on that day in Athens; the back office's are what a plugin's
payment ledger lists for the day (genesis: ListReceipts). Each payment is
matched by its payment id; a DIAS payment, which the back office imports from
the bank's file under an id of its own, by its RF and amount. Every line ends
as matched, missing in the back office, an amount mismatch, or unknown to the
portal; the report is a CSV with a summary, and a `payment.reconciled` event
carries the summary to whoever the routes name (e.g. Treasury's e-mail).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gateway.assembly import Assembly
from gateway.domain import athens
from gateway.events import canonical_hash, stored_event
from gateway.plugin_api import Connector, LedgerEntry, PaymentLedger
from gateway.store import Store
from gateway.store.models import events, utcnow

ATHENS = athens.ATHENS
OUTCOMES = ("matched", "missing_in_backend", "amount_mismatch", "unknown_to_portal")
CSV_COLUMNS = (
    "outcome",
    "payment_id",
    "rf_code",
    "channel",
    "paid_at",
    "portal_amount",
    "backend_amount",
    "receipt_number",
    "event_id",
)


@dataclass(frozen=True)
class PortalPayment:
    payment_id: str
    rf_code: str
    amount: Decimal
    channel: str
    paid_at: str
    event_id: str


@dataclass(frozen=True)
class Line:
    outcome: str
    payment_id: str
    rf_code: str
    channel: str
    paid_at: str
    portal_amount: str
    backend_amount: str
    receipt_number: str
    event_id: str


def athens_day(moment: str) -> date | None:
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=ATHENS)).astimezone(ATHENS).date()


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def reconcile(portal: Iterable[PortalPayment], ledger: Iterable[LedgerEntry]) -> list[Line]:
    """Pure: every portal payment and every ledger entry in exactly one line."""
    entries = list(ledger)
    by_id = {entry.payment_id: entry for entry in entries}
    used: set[int] = set()
    lines: list[Line] = []
    for payment in portal:
        entry = by_id.get(payment.payment_id)
        if entry is not None and id(entry) in used:
            entry = None
        if entry is None and payment.channel == "dias":
            entry = next(
                (
                    e
                    for e in entries
                    if id(e) not in used
                    and e.rf_code == payment.rf_code
                    and _amount(e.amount) == payment.amount
                ),
                None,
            )
        if entry is None:
            outcome, backend_amount, receipt = "missing_in_backend", "", ""
        else:
            used.add(id(entry))
            same = _amount(entry.amount) == payment.amount
            outcome = "matched" if same else "amount_mismatch"
            backend_amount, receipt = entry.amount, entry.receipt_number
        lines.append(
            Line(
                outcome,
                payment.payment_id,
                payment.rf_code,
                payment.channel,
                payment.paid_at,
                f"{payment.amount:.2f}",
                backend_amount,
                receipt,
                payment.event_id,
            )
        )
    for entry in entries:
        if id(entry) not in used:
            lines.append(
                Line(
                    "unknown_to_portal",
                    entry.payment_id,
                    entry.rf_code,
                    entry.channel,
                    entry.paid_at,
                    "",
                    entry.amount,
                    entry.receipt_number,
                    "",
                )
            )
    return lines


def summary(day: date, lines: list[Line]) -> dict[str, Any]:
    counts = {outcome: sum(1 for line in lines if line.outcome == outcome) for outcome in OUTCOMES}
    portal_total = sum(
        (Decimal(line.portal_amount) for line in lines if line.portal_amount), Decimal(0)
    )
    backend_total = sum(
        (_amount(line.backend_amount) or Decimal(0) for line in lines if line.backend_amount),
        Decimal(0),
    )
    return {
        "date": day.isoformat(),
        **counts,
        "portal_total": f"{portal_total:.2f}",
        "backend_total": f"{backend_total:.2f}",
        "clean": counts["matched"] == len(lines),
    }


def report_csv(lines: list[Line], totals: dict[str, Any]) -> str:
    """The lines, then the summary as `# key: value` rows a spreadsheet shows at the end."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in lines:
        writer.writerow(asdict(line))
    for key, value in totals.items():
        out.write(f"# {key}: {value}\n")
    return out.getvalue()


async def portal_payments(store: Store, day: date) -> list[PortalPayment]:
    """The day's payment.completed events (paid in Athens that day); purged payloads are skipped.

    Those received from the day before up to a month after: a DIAS payment may reach the
    portal days after it was made.
    """
    start = datetime(day.year, day.month, day.day, tzinfo=ATHENS) - timedelta(days=1)
    async with store.read() as connection:
        rows = (
            await connection.execute(
                select(events.c.id, events.c.envelope)
                .where(
                    events.c.type == "payment.completed",
                    events.c.received_at >= start,
                    events.c.received_at < start + timedelta(days=32),
                )
                .order_by(events.c.seq)
            )
        ).all()
    found = []
    for row in rows:
        data = (row.envelope or {}).get("data") or {}
        amount = _amount(str(data.get("amount", "")))
        if amount is None or athens_day(str(data.get("paid_at", ""))) != day:
            continue
        found.append(
            PortalPayment(
                str(data.get("payment_id") or row.id),
                str(data.get("rf_code", "")).replace(" ", "").upper(),
                amount,
                str(data.get("channel") or "card"),
                str(data.get("paid_at")),
                row.id,
            )
        )
    return found


@dataclass(frozen=True)
class Report:
    summary: dict[str, Any]
    lines: list[Line]
    path: Path
    event_id: str
    routed_to: list[str]


def find_ledger(parts: Assembly, connectors: dict[str, Connector]) -> tuple[str, PaymentLedger]:
    """The one enabled plugin that offers a payment ledger; NoLedger says why there is none."""
    offered = [
        (name, ledger)
        for name, context in parts.contexts().items()
        if name in connectors
        and (ledger := parts.host.payment_ledger(context, connectors[name])) is not None
    ]
    if len(offered) != 1:
        names = ", ".join(name for name, _ in offered) or "none"
        raise NoLedger(
            f"reconciliation needs exactly one enabled plugin with a payment ledger "
            f"(gateway_payment_ledger); found: {names}"
        )
    return offered[0]


class NoLedger(Exception):
    """No enabled plugin (or more than one) offers the payments a back office holds."""


async def reconcile_day(
    parts: Assembly, store: Store, ledger: PaymentLedger, backend: str, day: date, report_dir: Path
) -> Report:
    """Compare, write `payments-YYYY-MM-DD.csv`, and store and route a payment.reconciled event."""
    lines = reconcile(await portal_payments(store, day), await ledger.payments_on(day))
    totals = {**summary(day, lines), "backend": backend}
    path = report_dir / f"payments-{day.isoformat()}.csv"
    await asyncio.to_thread(_write, path, report_csv(lines, totals))
    data = {**totals, "report": path.name}
    # the same day with the same outcome is the same event; a different outcome is a new one
    event_id = f"payments-reconciled-{day.isoformat()}-{canonical_hash(data)[:12]}"
    subject = f"reconciliation/payments/{day.isoformat()}"
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": "/gateway/reconciliation",
        "type": "payment.reconciled",
        "time": utcnow().isoformat(),
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }
    problems = parts.schemas.validate(envelope)
    if problems:  # our own event: a bug here, said plainly
        raise ValueError("; ".join(f"{p.path}: {p.message}" for p in problems))
    plugins = parts.router.plugins_for("payment.reconciled", data)
    await store.accept([stored_event(envelope, plugins, utcnow())])
    return Report(totals, lines, path, event_id, plugins)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def yesterday(now: datetime | None = None) -> date:
    return athens.yesterday(now or utcnow())


def seconds_until(at: time, now: datetime | None = None) -> float:
    """Until the next `at` o'clock in Athens (the daily run's time)."""
    local = (now or utcnow()).astimezone(ATHENS)
    target = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return (target - local).total_seconds()
