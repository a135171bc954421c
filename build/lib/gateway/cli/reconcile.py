"""`gateway reconcile payments`: a day's portal payments against the back office's receipts."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from gateway.cli.common import assembled, config_option, main, run


@main.group()
def reconcile() -> None:
    """Compare what the portal sent with what the back office holds."""


@reconcile.command("payments")
@config_option
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="the day the payments were made (Athens), YYYY-MM-DD",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default=None,
    help="where the CSV report goes (default: [reconciliation] report_dir)",
)
def reconcile_payments(config_path: str, day: Any, out: str | None) -> None:
    """Write the day's CSV report, print its summary, and store a payment.reconciled event."""
    from gateway.reconciliation import NoLedger, find_ledger, reconcile_day
    from gateway.store import open_store

    parts = assembled(config_path)
    target: date = day.date()
    report_dir = Path(out or parts.settings.reconciliation.report_dir)

    async def work() -> Any:
        store = await open_store(parts.settings.gateway.database_url)
        connectors = {}
        try:
            for name, context in parts.contexts(store).items():
                connectors[name] = parts.host.connector(context)
            backend, ledger = find_ledger(parts, connectors)
            return await reconcile_day(parts, store, ledger, backend, target, report_dir)
        finally:
            for connector in connectors.values():
                await connector.aclose()
            await store.close()

    try:
        report = run(work)
    except NoLedger as exc:
        click.echo(f"cannot reconcile: {exc}", err=True)
        sys.exit(2)
    totals = report.summary
    click.echo(
        f"payments of {totals['date']} against {totals['backend']}: {totals['matched']} matched, "
        f"{totals['missing_in_backend']} missing in {totals['backend']}, "
        f"{totals['amount_mismatch']} amount mismatch, "
        f"{totals['unknown_to_portal']} unknown to the portal "
        f"(portal {totals['portal_total']} EUR, {totals['backend']} {totals['backend_total']} EUR)"
    )
    click.echo(f"report: {report.path}")
    click.echo(
        f"stored {report.event_id} → {', '.join(report.routed_to) or 'no plugin'}"
        " (a running gateway delivers it)"
    )
