"""Daily payment reconciliation: pure comparison, the ledger hook, and the command against the GENESIS mock."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.plugin_api import LedgerEntry, PaymentLedger
from gateway.plugins import PluginHost
from gateway.reconciliation import (
    PortalPayment,
    athens_day,
    reconcile,
    report_csv,
    seconds_until,
    summary,
    yesterday,
)
from mocks.genesis import FakeGenesis
from tests.support.events import example
from tests.support.process import config_file, run_cli
from tests.support.settings import build_settings

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 20)


def paid(payment_id: str, rf: str, amount: str, channel: str = "card") -> PortalPayment:
    return PortalPayment(
        payment_id, rf, Decimal(amount), channel, "2026-11-20T10:00:00+02:00", f"evt-{payment_id}"
    )


def held(payment_id: str, rf: str, amount: str, channel: str = "card") -> LedgerEntry:
    return LedgerEntry(
        payment_id, f"ΓΡ-{payment_id}", rf, amount, channel, "2026-11-20T10:00:00+02:00"
    )


def test_every_payment_and_every_receipt_end_in_one_line() -> None:
    lines = reconcile(
        [
            paid("P1", "RF1", "10.00"),
            paid("P2", "RF2", "20.00"),
            paid("P3", "RF3", "30.00"),
            paid("evt-d", "RF4", "40.00", "dias"),  # GENESIS imported it under its own id
        ],
        [
            held("P1", "RF1", "10.00"),
            held("P3", "RF3", "29.99"),
            held("DIAS-7", "RF4", "40.00", "dias"),
            held("P9", "RF9", "5.00"),
        ],
    )
    outcomes = [(line.outcome, line.payment_id) for line in lines]
    assert outcomes == [
        ("matched", "P1"),
        ("missing_in_backend", "P2"),
        ("amount_mismatch", "P3"),
        ("matched", "evt-d"),
        ("unknown_to_portal", "P9"),
    ]
    totals = summary(DAY, lines)
    assert (totals["matched"], totals["missing_in_backend"], totals["amount_mismatch"]) == (2, 1, 1)
    assert (totals["unknown_to_portal"], totals["clean"]) == (1, False)
    assert (totals["portal_total"], totals["backend_total"]) == ("100.00", "84.99")
    text = report_csv(lines, totals)
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert rows[2]["portal_amount"] == "30.00" and rows[2]["backend_amount"] == "29.99"
    assert "# unknown_to_portal: 1" in text


def test_a_receipt_is_matched_once_and_a_card_payment_never_by_rf() -> None:
    lines = reconcile(
        [paid("P1", "RF1", "10.00"), paid("P2", "RF1", "10.00")], [held("X", "RF1", "10.00")]
    )
    assert [line.outcome for line in lines] == [
        "missing_in_backend",
        "missing_in_backend",
        "unknown_to_portal",
    ]
    empty = summary(DAY, [])
    assert empty["clean"] is True and empty["portal_total"] == "0.00"


def test_days_and_times_are_athens() -> None:
    assert athens_day("2026-11-20T23:30:00+00:00") == date(2026, 11, 21)  # 01:30 in Athens
    assert athens_day("not a time") is None
    assert yesterday(datetime(2026, 11, 21, 22, 30, tzinfo=UTC)) == date(2026, 11, 21)
    from datetime import time

    assert seconds_until(time(6, 30), datetime(2026, 11, 21, 4, 0, tzinfo=UTC)) == 30 * 60
    assert (
        seconds_until(time(6, 30), datetime(2026, 11, 21, 5, 0, tzinfo=UTC)) == (24 * 60 - 30) * 60
    )


async def test_hook_gateway_payment_ledger(sqlite_url: str) -> None:
    """GENESIS offers its receipts of a day; a plugin without a ledger offers none."""
    genesis = FakeGenesis()
    await genesis.start()
    try:
        host = PluginHost()
        settings = build_settings(sqlite_url, {"genesis": {"url": genesis.endpoint}, "webhook": {"url": "http://127.0.0.1:9/x"}}, host=host)  # fmt: skip
        from gateway.assembly import plugin_contexts

        contexts = plugin_contexts(settings)
        connector = host.connector(contexts["genesis"])
        ledger = host.payment_ledger(contexts["genesis"], connector)
        assert isinstance(ledger, PaymentLedger)
        genesis.import_bank_payment(
            "RF18539007547034", Decimal("25.40"), "2026-11-20T11:00:00+02:00"
        )
        (entry,) = await ledger.payments_on(DAY)
        assert (entry.rf_code, entry.amount, entry.channel) == ("RF18539007547034", "25.40", "dias")
        assert await ledger.payments_on(date(2026, 11, 19)) == []
        await connector.aclose()
        webhook = host.connector(contexts["webhook"])
        assert host.payment_ledger(contexts["webhook"], webhook) is None
        await webhook.aclose()
    finally:
        await genesis.stop()


def payment(
    payment_id: str | None, rf: str, amount: str, paid_at: str, **extra: Any
) -> dict[str, Any]:
    event = example(
        "payment.completed", data={"rf_code": rf, "amount": amount, "paid_at": paid_at, **extra}
    )
    if payment_id is None:
        event["data"].pop("payment_id")
        event["data"].pop("payer")
    else:
        event["data"]["payment_id"] = payment_id
    return event


@pytest.mark.parametrize("url_kind", ["sqlite"])
async def test_reconcile_payments_from_the_command_line(
    tmp_path: Path, start_gateway, sqlite_url: str, receiver, url_kind: str
) -> None:  # type: ignore[no-untyped-def]
    genesis = FakeGenesis()
    await genesis.start()
    try:
        rf_tap = "RF18539007547034"
        grouped = next(d.rf_code for d in genesis.debts.values() if d.afm == "094014298")
        sections = f"""
[plugins.genesis]
url = "{genesis.endpoint}"
[plugins.webhook]
url = "{receiver.url}/events"
[[routes]]
type = "payment.completed"
plugins = ["genesis"]
[[routes]]
type = "payment.reconciled"
plugins = ["webhook"]
[reconciliation]
report_dir = "reports"
"""
        path = config_file(tmp_path, 0, sqlite_url, sections)
        settings = build_settings(
            sqlite_url,
            {"genesis": {"url": genesis.endpoint}, "webhook": {"url": receiver.url + "/events"}},
            [{"type": "payment.completed", "plugins": ["genesis"]}, {"type": "payment.reconciled", "plugins": ["webhook"]}],
        )  # fmt: skip
        portal, _app = await start_gateway(settings)
        paid_on = yesterday()  # within the month after which received events are looked at
        day = f"{paid_on}T10:00:00+02:00"
        events = [
            payment("PAY-1", rf_tap, "25.40", day),  # posted by the gateway: matched
            payment(None, grouped, "40.00", day, channel="dias"),  # GENESIS imports it: matched
            payment("PAY-3", grouped, "10.00", f"{paid_on + timedelta(days=1)}T10:00:00+02:00"),
        ]
        for event in events:
            assert (await portal.post_event(event)).status_code == 202
        for event in events:
            await portal.wait_settled(event["id"])
        genesis.import_bank_payment(grouped, Decimal("40.00"), f"{paid_on}T12:00:00+02:00")
        genesis.import_bank_payment(rf_tap, Decimal("5.00"), f"{paid_on}T13:00:00+02:00")  # unknown
        missing = payment("PAY-4", rf_tap, "7.00", day)
        await portal.post_event(missing)
        await portal.wait_settled(missing["id"])
        # the portal says 7.00 was paid; GENESIS lost it (its receipt removed)
        del genesis.receipts["PAY-4"]

        done = await run_cli("reconcile", "payments", "--config", str(path), "--date", str(paid_on))
        assert done.returncode == 0, done.stderr
        assert (
            f"payments of {paid_on} against genesis: 2 matched, 1 missing in genesis, "
            "0 amount mismatch, 1 unknown to the portal" in done.stdout
        )
        report = tmp_path / "reports" / f"payments-{paid_on}.csv"
        rows = list(
            csv.DictReader(
                line
                for line in report.read_text(encoding="utf-8").splitlines()
                if not line.startswith("#")
            )
        )
        assert sorted(row["outcome"] for row in rows) == [
            "matched",
            "matched",
            "missing_in_backend",
            "unknown_to_portal",
        ]
        assert (
            f"stored payments-reconciled-{paid_on}-" in done.stdout and "→ webhook" in done.stdout
        )
        # the same day with the same outcome is the same event: stored once
        again = await run_cli(
            "reconcile", "payments", "--config", str(path), "--date", str(paid_on)
        )
        assert (
            again.returncode == 0 and again.stdout.splitlines()[-1] == done.stdout.splitlines()[-1]
        )

        bad = await run_cli("reconcile", "payments", "--config", str(path), "--date", "20/11/2026")
        assert bad.returncode == 2 and "--date" in bad.stderr
    finally:
        await genesis.stop()


async def test_without_a_ledger_it_says_so(tmp_path: Path, sqlite_url: str) -> None:
    path = config_file(
        tmp_path, 0, sqlite_url, '[plugins.webhook]\nurl = "http://127.0.0.1:9/events"\n'
    )
    answer = await run_cli("reconcile", "payments", "--config", str(path), "--date", "2026-11-20")
    assert answer.returncode == 2
    assert "needs exactly one enabled plugin with a payment ledger" in answer.stderr


async def test_the_daily_run_reconciles_yesterday_in_a_running_gateway(
    tmp_path: Path, start_gateway, sqlite_url: str, receiver, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """`[reconciliation] enabled`: at `at` the gateway reconciles the day before by itself."""
    import gateway.reconciliation as reconciliation

    monkeypatch.setattr(reconciliation, "seconds_until", lambda _at: 0.2)  # "06:30" is now
    genesis = FakeGenesis()
    await genesis.start()
    try:
        paid_on = yesterday()
        genesis.import_bank_payment(
            "RF18539007547034", Decimal("9.99"), f"{paid_on}T09:00:00+02:00"
        )
        raw_settings = build_settings(
            sqlite_url,
            {"genesis": {"url": genesis.endpoint}, "webhook": {"url": receiver.url + "/events"}},
            [{"type": "payment.reconciled", "plugins": ["webhook"]}],
        )
        settings = raw_settings.model_copy(
            update={
                "reconciliation": raw_settings.reconciliation.model_copy(
                    update={"enabled": True, "report_dir": str(tmp_path / "reports")}
                )
            }
        )
        await start_gateway(settings)
        deadline = asyncio.get_running_loop().time() + 20
        while not any(key.startswith("payments-reconciled-") for key in receiver.received):
            assert asyncio.get_running_loop().time() < deadline, "no payment.reconciled arrived"
            await asyncio.sleep(0.1)
        (delivered,) = [
            v for k, v in receiver.received.items() if k.startswith("payments-reconciled-")
        ]
        data = delivered["event"]["data"]
        assert (data["date"], data["unknown_to_portal"], data["backend"]) == (
            str(paid_on),
            1,
            "genesis",
        )
        assert (tmp_path / "reports" / f"payments-{paid_on}.csv").exists()
    finally:
        await genesis.stop()
