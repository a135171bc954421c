"""Server time of every console page with 100,000 events in the store, against a bare page.

    .venv/bin/python bench/console.py [--events 100000] [--requests 15]

Seeds a SQLite store the way a year of a municipality's traffic would look
(applications and payments over 30 days, each with its deliveries and
attempts, 1% dead letters, a few in doubt), starts the gateway on it with its
mocks, signs in as an admin, and asks each page `--requests` times in turn.
The server's own time is read from each answer's Server-Timing header; the
round trip of a bare aiohttp page served by this same process is measured
between pages, so the ratio column shares the machine's noise of the moment.
The target is under 150 ms of server time for every page.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiohttp import web
from sqlalchemy import create_engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.devtools.ports import free_port
from gateway.store import open_store
from gateway.store.models import attempts, deliveries, events
from tests.support.console import STAFF, console_world

REQUEST_TYPES = (
    "fee_exemption",
    "tap_no_debt_certificate",
    "civil_registry_certificate",
    "document_order",
    "asep_hiring_application",
    "everyday_report",
)
TARGET_MS = 150.0


def _afm(number: int) -> str:
    body = f"{number % 10**8:08d}"
    total = 0
    for digit in body:
        total = total * 2 + int(digit)
    return body + str((total * 2) % 11 % 10)


def seed(path: Path, count: int) -> dict[str, str]:
    """Write `count` events with their deliveries and attempts; return values to search for."""
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    engine = create_engine(f"sqlite:///{path}")
    rng = random.Random(7)
    now = datetime.now(UTC)
    start = now - timedelta(days=30)
    chunk = 5000
    delivery_id = 0
    probe: dict[str, str] = {}
    with engine.begin() as connection:
        for first in range(0, count, chunk):
            event_rows, delivery_rows, attempt_rows = [], [], []
            for number in range(first, min(count, first + chunk)):
                received = start + timedelta(seconds=30 * 86400 * number / count)
                payment = number % 5 == 4
                afm = _afm(100_000 + number)
                event_id = f"evt-{number:07d}"
                if payment:
                    kind, plugins, data = (
                        "payment.completed",
                        ("webhook", "genesis"),
                        {
                            "payment_id": f"PAY-{number}",
                            "amount": "40.00",
                            "citizen": {"afm": afm, "email": f"c{number}@example.gr"},
                        },
                    )
                    subject = f"payment/PAY-{number}"
                else:
                    request_type = REQUEST_TYPES[number % len(REQUEST_TYPES)]
                    kind, plugins, data = (
                        "request.submitted",
                        ("protocol", "webhook"),
                        {
                            "request_id": f"REQ-{number}",
                            "request_type": request_type,
                            "citizen": {
                                "afm": afm,
                                "full_name": "Μαρία Παπαδοπούλου",
                                "email": f"c{number}@example.gr",
                            },
                            "description": "Αίτηση μέσω της πλατφόρμας. " * 8,
                        },
                    )
                    subject = f"request/REQ-{number}"
                event_rows.append(
                    {
                        "id": event_id,
                        "type": kind,
                        "source": "/portal",
                        "subject": subject,
                        "received_at": received,
                        "body_hash": "0" * 64,
                        "afm": afm,
                        "envelope": {
                            "specversion": "1.0",
                            "id": event_id,
                            "type": kind,
                            "source": "/portal",
                            "subject": subject,
                            "data": data,
                        },
                    }
                )
                for plugin in plugins:
                    delivery_id += 1
                    dead = plugin == "webhook" and rng.random() < 0.01
                    doubt = plugin == "protocol" and rng.random() < 0.001
                    state = "dead" if dead or doubt else "succeeded"
                    ended = received + timedelta(milliseconds=rng.randint(20, 900))
                    result = reference = None
                    if plugin == "protocol" and not doubt:
                        reference = f"{number}/2026"
                        result = {"protocol_number": reference, "registry": "irida"}
                    delivery_rows.append(
                        {
                            "id": delivery_id,
                            "event_id": event_id,
                            "plugin": plugin,
                            "state": state,
                            "attempts": 1,
                            "failures": 1 if dead or doubt else 0,
                            "created_at": received,
                            "updated_at": ended,
                            "finished_at": ended,
                            "result": result,
                            "reference": reference,
                            "last_error": (
                                "the receiver refused: HTTP 400"
                                if dead
                                else "ΙΡΙΔΑ did not answer [ref:x] — not sent again."
                                if doubt
                                else None
                            ),
                            "last_error_kind": (
                                "permanent" if dead else "outcome_unknown" if doubt else None
                            ),
                        }
                    )
                    attempt_rows.append(
                        {
                            "delivery_id": delivery_id,
                            "number": 1,
                            "worker": "bench",
                            "lease_token": "0" * 36,
                            "started_at": received,
                            "ended_at": ended,
                            "outcome": (
                                "permanent" if dead else "outcome_unknown" if doubt else "succeeded"
                            ),
                        }
                    )
                if number == count // 2:
                    probe = {"afm": afm, "protocol": f"{number}/2026", "request": f"REQ-{number}",
                             "event": event_id}  # fmt: skip
            connection.execute(insert(events), event_rows)
            connection.execute(insert(deliveries), delivery_rows)
            connection.execute(insert(attempts), attempt_rows)
    engine.dispose()
    return probe


async def _migrate(url: str) -> None:
    store = await open_store(url)
    await store.close()


async def _bare_site() -> tuple[web.AppRunner, str]:
    page = "<!doctype html><html lang='el'><title>bare</title><main>bare</main></html>"

    async def bare(_request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", bare)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/"


def _server_ms(answer: httpx.Response) -> float:
    found = re.search(r"dur=([0-9.]+)", answer.headers.get("server-timing", ""))
    if answer.status_code != 200 or not found:
        raise SystemExit(f"{answer.request.url}: {answer.status_code} {answer.text[:300]}")
    return float(found.group(1))


async def measure(workdir: Path, database: Path, probe: dict[str, str], requests: int) -> bool:
    pages = {
        "overview": "/console/",
        "backends": "/console/backends",
        "events (newest)": "/console/events",
        "events by request id": f"/console/events?request_id={probe['request']}",
        "events by protocol no.": f"/console/events?protocol_number={probe['protocol']}",
        "events by ΑΦΜ": f"/console/events?afm={probe['afm']}",
        "events by type+status": "/console/events?type=payment.completed&status=dead",
        "events, status none has": "/console/events?status=pending",
        "events, delivered": "/console/events?status=delivered",
        "events by department": "/console/events?department=revenue",
        "events by plugin+dates": "/console/events?plugin=protocol&from=2026-01-01&until=2030-01-01",
        "events, page 40": "/console/events?page=40",
        "event timeline": f"/console/events/{probe['event']}",
        "dead letters": "/console/dead-letters",
        "bulk dry run": "/console/dead-letters/bulk?plugin=webhook&error_kind=permanent",
        "in doubt": "/console/in-doubt",
        "audit": "/console/audit",
    }
    bare_runner, bare_url = await _bare_site()
    ok = True
    async with console_world(workdir, f"sqlite+aiosqlite:///{database}") as world:
        async with httpx.AsyncClient(base_url=world.base_url, timeout=60) as client:
            login = await client.get("/console/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
            assert csrf is not None
            await client.post(
                "/console/login",
                data={"csrf": csrf.group(1), "login": "anna", "password": STAFF["anna"][2]},
            )
            print(f"{'page':<26} {'server ms':>10} {'p90 ms':>8} {'round trip':>11} {'/bare':>7}")
            for name, path in pages.items():
                await client.get(path)  # warm
                server, trips, bares = [], [], []
                for _ in range(requests):
                    began = time.perf_counter()
                    await client.get(bare_url)
                    bares.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    answer = await client.get(path)
                    trips.append(time.perf_counter() - began)
                    server.append(_server_ms(answer))
                median = statistics.median(server)
                p90 = sorted(server)[int(len(server) * 0.9) - 1]
                ratio = statistics.median(trips) / statistics.median(bares)
                ok = ok and median < TARGET_MS
                print(
                    f"{name:<26} {median:>10.1f} {p90:>8.1f} "
                    f"{statistics.median(trips) * 1000:>9.1f}ms {ratio:>7.1f}"
                )
    await bare_runner.cleanup()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="console-bench-"))
    database = workdir / "console.db"
    began = time.perf_counter()
    probe = seed(database, args.events)
    print(f"seeded {args.events:,} events in {time.perf_counter() - began:.0f}s ({database})")
    ok = asyncio.run(measure(workdir, database, probe, args.requests))
    print(f"every page under {TARGET_MS:.0f} ms of server time: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
