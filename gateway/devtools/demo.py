"""`make demo`: every mock backend and the gateway on SQLite, one application of each kind told as a story.

Each application is posted as the portal would post it, and the demo prints
its timeline as the gateway recorded it: received, protocol number,
eligibility or debts, e-mails sent. Then where to look.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.assembly import Assembly, assemble
from gateway.devtools import more_stories
from gateway.devtools.portal import PortalClient
from gateway.devtools.ports import free_port
from gateway.devtools.runner import running_gateway
from gateway.devtools.stories import story_events
from gateway.logs import mask
from gateway.operators import hash_secret
from gateway.starter import EXAMPLE_CONFIG, STARTER

ASEP = "asep_hiring_application"


def _move_port(url: str) -> str:
    old = urlsplit(url)
    return url.replace(f":{old.port}", f":{free_port()}", 1) if old.port else url


def demo_config(workdir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The shipped example config, moved to free ports, a scratch database and quick retries."""
    raw = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    env = {
        "GATEWAY_PORTAL_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        "GATEWAY_PORTAL_TOKEN": secrets.token_urlsafe(24),
        "GATEWAY_OPERATOR_TOKEN": secrets.token_urlsafe(24),
        "TAXIS_USERNAME": "DEMO_USER",
        "TAXIS_PASSWORD": secrets.token_urlsafe(12),
        "IRIDA_USERNAME": "demo-gateway",
        "IRIDA_PASSWORD": secrets.token_urlsafe(12),
        "DEMO_CONSOLE_PASSWORD": secrets.token_urlsafe(12),
        "ASEP_TOKEN": secrets.token_urlsafe(12),
        "GATEWAY_FOLLOW_SECRET": secrets.token_urlsafe(32),
    }
    raw["gateway"]["listen"] = f"127.0.0.1:{free_port()}"
    raw["gateway"]["public_url"] = f"http://{raw['gateway']['listen']}"
    raw["gateway"]["database_url"] = f"sqlite+aiosqlite:///{workdir / 'gateway.db'}"
    raw["gateway"]["log_level"] = "WARNING"
    # one admin for the console, with a password made for this run (`make demo` with --wait)
    raw["operators"] = {
        "demo": {"role": "admin", "password_hash": hash_secret(env["DEMO_CONSOLE_PASSWORD"])}
    }
    for section in raw["plugins"].values():
        if "url" in section:
            old_port = urlsplit(section["url"]).port
            section["url"] = _move_port(section["url"])
            if "health_url" in section:
                new_port = urlsplit(section["url"]).port
                section["health_url"] = section["health_url"].replace(
                    f":{old_port}", f":{new_port}", 1
                )
        if "mock_admin_url" in section:
            section["mock_admin_url"] = _move_port(section["mock_admin_url"])
        section["retry"] = {**section.get("retry", {}), "initial_delay": 0.5, "multiplier": 2}
    return raw, env


def demo_assembly(raw: dict[str, Any], env: dict[str, str]) -> Assembly:
    return assemble(raw, environ={**os.environ, **env}, config_dir=STARTER)


# -- the timeline ----------------------------------------------------------------------


def _time(value: str | None) -> str:
    return value[11:23] if value else "--:--:--.---"


def _finished(delivery: dict[str, Any]) -> str | None:
    history = delivery.get("history") or []
    return history[-1]["ended_at"] if history else None


async def _chain(portal: PortalClient, event_id: str) -> list[dict[str, Any]]:
    """The event and everything derived from it, settled, in order."""
    view = await portal.wait_settled(event_id)
    chain = [view]
    for delivery in view["deliveries"]:
        for derived in delivery["emitted"]:
            chain += await _chain(portal, derived)
    return chain


def _mails(view: dict[str, Any], inbox: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    lines = []
    for delivery in view["deliveries"]:
        if delivery["plugin"] != "email" or not delivery["result"]:
            continue
        for sent in delivery["result"].get("sent", []):
            message = inbox.get(sent["message_id"], {})
            lines.append(
                (
                    _finished(delivery) or "",
                    f"e-mail to {sent['to']} ({sent['template']}): «{message.get('subject', '?')}»",
                )
            )
    return lines


async def timeline(
    portal: PortalClient, event_id: str, inbox: dict[str, dict[str, Any]]
) -> tuple[list[str], bool]:
    """Readable lines for one application (or payment), and whether all of it was delivered."""
    chain = await _chain(portal, event_id)
    first = chain[0]
    data = first.get("data") or {}
    steps: list[tuple[str, str]] = [
        (
            first["received_at"],
            f"received {first['type']} → {', '.join(d['plugin'] for d in first['deliveries'])}",
        )
    ]
    for view in chain:
        for delivery in view["deliveries"]:
            result = delivery["result"] or {}
            if delivery["state"] == "dead":
                steps.append(
                    (
                        _finished(delivery) or "",
                        f"{delivery['plugin']} FAILED: {delivery['last_error']}",
                    )
                )
            elif delivery["plugin"] == "protocol":
                on = result["protocol_date"]
                stamp = f"{result['protocol_number']}/{on[8:10]}-{on[5:7]}-{on[:4]}"
                steps.append(
                    (_finished(delivery) or "", f"protocol number {stamp} ({result['registry']})")
                )
            elif delivery["plugin"] == "taxis":
                verdict = {"eligible": "ELIGIBLE", "needs_review": "NEEDS REVIEW"}.get(
                    str(result.get("verdict")), "not eligible"
                )
                steps.append(
                    (
                        _finished(delivery) or "",
                        f"fee exemption: {result.get('name')} {verdict}; "
                        + "; ".join(result.get("reasons", [])),
                    )
                )
            elif delivery["plugin"] == "asep":
                provisional = " (provisional)" if result.get("provisional") else ""
                steps.append(
                    (
                        _finished(delivery) or "",
                        f"ranked {result.get('position')} of {result.get('candidates')} in "
                        f"{result.get('competition')} with {result.get('points')} points{provisional}",
                    )
                )
            elif delivery["plugin"] == "genesis" and result.get("posted") is False:
                steps.append(
                    (
                        _finished(delivery) or "",
                        f"not posted to GENESIS: {result['reason']}",
                    )
                )
            elif delivery["plugin"] == "genesis" and "receipt_number" in result:
                steps.append(
                    (
                        _finished(delivery) or "",
                        f"receipt {result['receipt_number']} for {result['amount']} EUR in GENESIS",
                    )
                )
        steps += _mails(view, inbox)
    lines = [f"{_time(when)}  {what}" for when, what in sorted(steps, key=lambda s: s[0])]
    title = data.get("request_id") or data.get("payment_id") or first["id"]
    kind = data.get("request_type") or first["type"]
    delivered = all(view["status"] == "delivered" for view in chain)
    return [f"{title} ({kind}): {'done' if delivered else 'NOT DONE'}"] + [
        f"    {line}" for line in lines
    ], delivered  # fmt: skip


async def run_demo(keep: bool = False, wait: bool = False) -> int:
    from gateway.logs import configure_logging

    configure_logging("ERROR")
    workdir = Path(tempfile.mkdtemp(prefix="gateway-demo-"))
    raw, env = demo_config(workdir)
    parts = demo_assembly(raw, env)
    mocks: dict[str, Any] = {}
    for name, context in parts.contexts().items():
        mock = parts.host.mock(context)
        if mock is not None:
            await mock.start()
            mocks[name] = mock
    # one refused delivery, so the demo also shows a retry
    mocks["webhook"].set_faults(fail_next=1)
    failures = 0
    try:
        async with running_gateway(parts) as (base_url, app):
            print(f"Gateway {base_url} on SQLite ({workdir / 'gateway.db'})")
            for name, mock in mocks.items():
                print(f"  mock {name:<9} {getattr(mock, 'smtp_url', mock.url)}")
            portal = PortalClient(
                base_url, env["GATEWAY_PORTAL_SECRET"], env["GATEWAY_OPERATOR_TOKEN"]
            )
            events = list(story_events())
            for event in events:
                answer = await portal.post_event(event)
                print(
                    f"POST /v1/events {event['type']:<24} {event['id']:<16} → {answer.status_code}"
                )
            for event in events:
                await _chain(portal, event["id"])
            inbox = {m["message_id"]: m for m in mocks["email"].messages}
            print()
            for event in events:
                if event["type"] == "request.status_changed":
                    continue  # told within its application's story below
                lines, delivered = await timeline(portal, event["id"], inbox)
                if event["data"].get("request_id") == "REQ-2026-0001":
                    more, done = await timeline(portal, "evt-status-0001", inbox)
                    lines += [f"    then {line.strip()}" for line in more[1:]]
                    delivered = delivered and done
                if event["data"].get("request_type") == "tap_no_debt_certificate":
                    lines.append(await _debts(portal, event["data"]["citizen"]["afm"]))
                failures += not delivered
                print("\n".join(lines))
                print(f"    status: GET {base_url}/v1/events/{event['id']}\n")
            asep = next(e for e in events if e["data"].get("request_type") == ASEP)
            report = next(e for e in events if e["data"].get("request_type") == "everyday_report")
            for lines, delivered in (
                await more_stories.rival_candidate(portal, asep),
                await more_stories.followers(
                    portal,
                    report["data"]["request_id"],
                    report["data"]["request_type"],
                    lambda: mocks["email"].messages,
                ),
                await more_stories.platform_only(portal),
            ):
                failures += not delivered
                print("\n".join(lines) + ("\n" if delivered else "\n    NOT DONE\n"))
            inbox = {m["message_id"]: m for m in mocks["email"].messages}
            print(f"E-mails in the mock inbox: {len(inbox)} (GET {mocks['email'].url}/_mock/state)")
            print(f"Registrations in the ΙΡΙΔΑ mock: GET {mocks['protocol'].url}/_mock/state")
            print(f"Dead letters: GET {base_url}/v1/dead-letters (operator token)")
            print(await _reconciliation(parts, app, mocks["genesis"], workdir, events[-1]))
            again = await portal.post_event(events[0])
            print(
                f"The first event posted again → {again.status_code}, Idempotent-Replayed: {again.headers.get('Idempotent-Replayed')}"
            )
            if wait:
                print(f"\nRunning until Ctrl-C; operator token: {env['GATEWAY_OPERATOR_TOKEN']}")
                print(
                    f"Console: {base_url}/console/ (login demo, "
                    f"password {env['DEMO_CONSOLE_PASSWORD']})"
                )
                await _until_interrupted()
            await portal.aclose()
    finally:
        for mock in mocks.values():
            await mock.stop()
        if keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        "\nDemo finished: every application and payment went all the way."
        if not failures
        else f"\nDemo finished: {failures} story(ies) did not complete."
    )
    return 1 if failures else 0


async def _debts(portal: PortalClient, afm: str) -> str:
    answer = await portal.get(f"/v1/lookups/debts/{afm}", category="TAP")
    owed = answer.json()
    verdict = (
        "no debt: the certificate can be issued"
        if owed.get("no_debt")
        else f"owes {owed.get('total')} EUR for ΤΑΠ"
    )
    return f"    debts look-up for {mask(afm)}: {verdict}"


async def _until_interrupted() -> None:
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _reconciliation(
    parts: Assembly, app: Any, genesis: Any, workdir: Path, dias: dict[str, Any]
) -> str:
    """GENESIS imports the DIAS payment from the bank's file; then the day is reconciled."""
    from decimal import Decimal

    from gateway import appkeys
    from gateway.reconciliation import athens_day, find_ledger, reconcile_day

    data = dias["data"]
    genesis.import_bank_payment(data["rf_code"], Decimal(data["amount"]), data["paid_at"])
    day = athens_day(data["paid_at"])
    assert day is not None
    backend, ledger = find_ledger(parts, app[appkeys.CONNECTORS])
    report = await reconcile_day(
        parts, app[appkeys.STORE], ledger, backend, day, workdir / "reports"
    )
    totals = report.summary
    return (
        f"Reconciliation of {totals['date']}: {totals['matched']} matched, "
        f"{totals['missing_in_backend']} missing in GENESIS, {totals['amount_mismatch']} amount "
        f"mismatch, {totals['unknown_to_portal']} unknown to the portal "
        f"(report {report.path.name}; payment.reconciled → {', '.join(report.routed_to) or '-'})"
    )
