"""Accepted events per second through the real HTTP stack, against a bare aiohttp baseline.

    .venv/bin/python bench/ingest.py [--events 3000] [--concurrency 64] [--rounds 3]

Both servers run as their own process on loopback; this process is the load
generator (and the webhook receiver the gateway delivers to). The gateway
does all of intake: signature check, schema validation, routing, one SQLite
transaction (WAL, synchronous=FULL) per group of concurrent requests, each
202 sent only after its event's commit, with one delivery row per event.

Two gateway shapes are measured: intake-only (`dispatch = false`, the
process a deployment puts behind the portal; the headline ratio) and full
(the same process also delivering every event to the receiver while it
accepts, which costs it CPU on a 2-core machine). Each round measures bare,
then intake-only, then full, back to back, and each gateway figure is divided
by the bare figure of its own round: the machine's noise changes from one
moment to the next, and neighbours in time share most of it. The medians of
those per-round ratios are reported. The last line is
`ingest/bare ratio: 0.NN` (intake-only).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.devtools.ports import free_port  # noqa: E402
from gateway.signature import signed_headers  # noqa: E402
from mocks.webhook import WebhookReceiver  # noqa: E402
from tests.support.events import example  # noqa: E402
from tests.support.settings import SECRET  # noqa: E402


def make_requests(count: int, tag: str) -> list[tuple[bytes, dict[str, str]]]:
    prepared = []
    for index in range(count):
        event = example("request.submitted", id=f"bench-{tag}-{index}")
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/cloudevents+json",
            **signed_headers(SECRET, event["id"], body),
        }
        prepared.append((body, headers))
    return prepared


async def wait_up(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def blast(
    url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> tuple[float, dict[int, int]]:
    """Send every request with `concurrency` in flight; return (seconds, count by status)."""
    statuses: dict[int, int] = {}
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for body, headers in queue:
                async with session.post(f"{url}/v1/events", data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        gc.collect()
        gc.freeze()  # the prepared requests live all round: keep the client's collector off them
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, statuses


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


async def run_bare(port: int, requests: list, concurrency: int) -> float:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_server.py"), str(port)], cwd=ROOT
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_up(url, process)
        await blast(url, requests[:200], concurrency)  # warm-up
        seconds, statuses = await blast(url, requests[200:], concurrency)
        assert statuses == {202: len(requests) - 200}, statuses
        return (len(requests) - 200) / seconds
    finally:
        await asyncio.to_thread(stop, process)


async def run_gateway(
    workdir: Path,
    port: int,
    receiver: WebhookReceiver,
    requests: list,
    concurrency: int,
    tag: str,
    dispatch: bool,
) -> tuple[float, int]:
    database = workdir / f"bench-{tag}.db"
    config = workdir / f"bench-{tag}.toml"
    config.write_text(
        f"""
[gateway]
listen = "127.0.0.1:{port}"
database_url = "sqlite+aiosqlite:///{database}"
log_level = "WARNING"
dispatch = {"true" if dispatch else "false"}
[auth]
portal_secrets = ["{SECRET}"]
[plugins.webhook]
url = "{receiver.url}/events"
concurrency = 8
[[routes]]
type = "request.submitted"
plugins = ["webhook"]
"""
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config)],
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_up(url, process)
        await blast(url, requests[:200], concurrency)
        seconds, statuses = await blast(url, requests[200:], concurrency)
        assert statuses == {202: len(requests) - 200}, statuses
    finally:
        await asyncio.to_thread(stop, process)
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    return (len(requests) - 200) / seconds, stored


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    receiver = WebhookReceiver()
    await receiver.start()
    rates: dict[str, list[float]] = {"bare": [], "intake": [], "full": []}
    delivered = 0
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as folder:
        for round_number in range(1, args.rounds + 1):
            line = [f"round {round_number}:"]
            rates["bare"].append(
                await run_bare(
                    free_port(), make_requests(args.events, f"b{round_number}"), args.concurrency
                )
            )
            line.append(f"bare {rates['bare'][-1]:7.0f}/s")
            for shape in ("intake", "full"):
                tag = f"{shape}{round_number}"
                rate, stored = await run_gateway(
                    Path(folder),
                    free_port(),
                    receiver,
                    make_requests(args.events, tag),
                    args.concurrency,
                    tag,
                    shape == "full",
                )
                assert stored == args.events, f"only {stored} of {args.events} events were stored"
                rates[shape].append(rate)
                line.append(f"{shape} {rate:7.0f}/s")
                delivered += len(receiver.received)
                receiver.reset()  # the receiver lives in this process: keep it from growing round by round
            print("  ".join(line), flush=True)
    await receiver.stop()
    ratios = {
        shape: [g / b for g, b in zip(rates[shape], rates["bare"], strict=True)]
        for shape in ("intake", "full")
    }
    print(
        f"every accepted event was in the database afterwards; delivered by the full gateway meanwhile: {delivered}"
    )
    print(
        f"{args.events - 200} events a round, {args.concurrency} in flight, {args.rounds} rounds; median events/s: "
        f"bare {statistics.median(rates['bare']):.0f}, intake-only {statistics.median(rates['intake']):.0f}, "
        f"full {statistics.median(rates['full']):.0f}"
    )
    print("per-round intake/bare: " + " ".join(f"{r:.2f}" for r in ratios["intake"]))
    print(f"full/bare ratio: {statistics.median(ratios['full']):.2f}")
    print(f"ingest/bare ratio: {statistics.median(ratios['intake']):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
