"""Deliveries per second, end to end, against the bare aiohttp baseline of bench/ingest.py.

    .venv/bin/python bench/deliver.py [--events 4000] [--rounds 3]
    .venv/bin/python bench/deliver.py --backlog 100000
    .venv/bin/python bench/deliver.py --backlog 20000 --database postgresql+asyncpg://postgres@127.0.0.1:5432/gateway_bench --processes 2

The gateway, the bare endpoint and the no-op receiver (bench/bare_receiver.py)
each run as their own process on loopback; this process posts the events.
Only the webhook plugin is routed, with concurrency 32; events are posted 64
at a time.

Burst (the default): each round measures the bare endpoint's rate, then
posts N events to a gateway that delivers while it accepts; the rate is N
divided by the time from the first post to the receiver's N-th delivery.
The ratio is per round, to the bare rate of the same round (the machine's
noise moves from one moment to the next), and the median is reported. Then
idle latency: events posted one at a time, from the 202 to the receiver.
The last line is `deliver/bare ratio: 0.NN`.

Backlog (`--backlog N`): an intake-only process (`dispatch = false`) stores N
events, stops, and a dispatching process drains them; the same for 1,000,
three times in the same run (twice before, once after), and the median of
those is the rate N's is compared with. RSS is sampled while draining. With
`--processes K` the drain is by 1 and then by K processes on one PostgreSQL
database, and the last line is their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from ingest import ROOT, blast, make_requests, run_bare, stop, wait_up

from gateway.devtools.ports import free_port
from tests.support.settings import SECRET
from tests.support.store import reset_postgres

CONCURRENCY = 64  # events posted at once
LANE = 32  # the webhook plugin's concurrency


def gateway_config(
    workdir: Path, tag: str, database: str, receiver: str, *, dispatch: bool
) -> tuple[Path, str]:
    port = free_port()
    config = workdir / f"{tag}.toml"
    config.write_text(
        f"""
[gateway]
listen = "127.0.0.1:{port}"
database_url = "{database}"
log_level = "ERROR"
access_log = false
dispatch = {"true" if dispatch else "false"}
[auth]
portal_secrets = ["{SECRET}"]
[plugins.webhook]
url = "{receiver}/events"
concurrency = {LANE}
[[routes]]
type = "request.submitted"
plugins = ["webhook"]
"""
    )
    return config, f"http://127.0.0.1:{port}"


def start_gateway(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config)],
        cwd=ROOT,
        env={**os.environ},
    )


async def receiver_stats(
    session: aiohttp.ClientSession, receiver: str, prefix: str = ""
) -> dict[str, Any]:
    async with session.get(f"{receiver}/stats", params={"prefix": prefix}) as response:
        return dict(await response.json())


async def until_delivered(
    session: aiohttp.ClientSession, receiver: str, count: int, within: float, prefix: str = ""
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        stats = await receiver_stats(session, receiver, prefix)
        if stats["unique"] >= count or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.02)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def burst(workdir: Path, receiver: str, events: int, tag: str) -> float:
    """N events posted to a delivering gateway; deliveries a second, first post to last delivery."""
    database = f"sqlite+aiosqlite:///{workdir / f'{tag}.db'}"
    config, url = gateway_config(workdir, tag, database, receiver, dispatch=True)
    warm_up, requests = make_requests(200, f"{tag}w"), make_requests(events, tag)
    process = start_gateway(config)
    async with aiohttp.ClientSession() as session:
        try:
            await wait_up(url, process)
            await blast(url, warm_up, CONCURRENCY)  # delivered too, before the clock starts
            await until_delivered(session, receiver, 200, 60, f"bench-{tag}w-")
            started = time.time()
            _seconds, statuses = await blast(url, requests, CONCURRENCY)
            assert statuses == {202: events}, statuses
            stats = await until_delivered(session, receiver, events, 300, f"bench-{tag}-")
            assert stats["unique"] == events, f"only {stats['unique']} of {events} delivered"
        finally:
            await asyncio.to_thread(stop, process)
    failed = failed_attempts(workdir / f"{tag}.db")
    if stats["duplicates"] or failed:
        print(f"  {tag}: {stats['duplicates']} repeated deliveries; failed attempts {failed}")
    return events / (stats["last_at"] - started)


def failed_attempts(database: Path) -> dict[str, int]:
    """Attempts that did not succeed, by outcome: a repeat at the receiver has one behind it."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT outcome, count(*) FROM attempts WHERE outcome != 'succeeded' GROUP BY outcome"
        ).fetchall()
    return {str(outcome): int(count) for outcome, count in rows}


async def idle_latency(workdir: Path, receiver: str, count: int) -> list[float]:
    """Events posted one at a time to an idle gateway: milliseconds from the 202 to the receiver."""
    database = f"sqlite+aiosqlite:///{workdir / 'idle.db'}"
    config, url = gateway_config(workdir, "idle", database, receiver, dispatch=True)
    requests = make_requests(count + 20, "idle")
    process = start_gateway(config)
    accepted: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        try:
            await wait_up(url, process)
            await session.post(f"{receiver}/reset")
            for index, (body, headers) in enumerate(requests):
                async with session.post(f"{url}/v1/events", data=body, headers=headers) as answer:
                    assert answer.status == 202, answer.status
                    event_id = (await answer.json())["id"]
                accepted[f"{event_id}:webhook"] = time.time()
                await until_delivered(session, receiver, index + 1, 10)
                await asyncio.sleep(0.01)  # idle between events, as a portal's trickle is
            async with session.get(f"{receiver}/arrivals") as response:
                arrivals = await response.json()
        finally:
            await asyncio.to_thread(stop, process)
    latencies = [(arrivals[key] - at) * 1000 for key, at in accepted.items() if key in arrivals]
    return sorted(latencies)[20:] if len(latencies) > 20 else latencies  # the first warm up


async def fill(workdir: Path, database: str, receiver: str, count: int, tag: str) -> None:
    """An intake-only process stores `count` events, then stops."""
    config, url = gateway_config(workdir, f"fill-{tag}", database, receiver, dispatch=False)
    process = start_gateway(config)
    try:
        await wait_up(url, process)
        for start in range(0, count, 20_000):  # prepared a slice at a time: flat memory here
            requests = make_requests(min(20_000, count - start), f"{tag}-{start}")
            _seconds, statuses = await blast(url, requests, CONCURRENCY)
            assert statuses == {202: len(requests)}, statuses
    finally:
        await asyncio.to_thread(stop, process)


async def drain(
    workdir: Path, database: str, receiver: str, count: int, processes: int, tag: str
) -> tuple[float, float, float]:
    """`processes` dispatching gateways drain the stored backlog: (deliveries/s, RSS start, RSS peak)."""
    started_processes = []
    async with aiohttp.ClientSession() as session:
        await session.post(f"{receiver}/reset")
        try:
            for number in range(processes):
                config, url = gateway_config(
                    workdir, f"drain-{tag}-{number}", database, receiver, dispatch=True
                )
                process = start_gateway(config)
                started_processes.append(process)
            await asyncio.gather(*(wait_up(url, p) for p in started_processes[-1:]))
            first_rss = rss_mb(started_processes[0].pid)
            peak = first_rss
            deadline = time.monotonic() + 3600
            while True:
                stats = await receiver_stats(session, receiver)
                peak = max(peak, rss_mb(started_processes[0].pid))
                if stats["unique"] >= count or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.25)
            assert stats["unique"] == count, f"only {stats['unique']} of {count} delivered"
            assert stats["duplicates"] == 0, f"{stats['duplicates']} deliveries came twice"
            # from the first delivery to the last: a process's start-up is not draining
            return count / (stats["last_at"] - stats["first_at"]), first_rss, peak
        finally:
            for process in started_processes:
                await asyncio.to_thread(stop, process)


async def backlog_mode(args: argparse.Namespace, workdir: Path, receiver: str) -> None:
    postgres = args.database is not None
    # the small backlog drains in a quarter of a second, where a moment's noise on this machine
    # moves its rate by a third: it is drained three times, before and after the big one, and
    # the median is the baseline
    sizes = [1000, 1000, args.backlog, 1000]
    rates: dict[int, list[float]] = {}
    for number, size in enumerate(sizes):
        tag = f"b{size}-{number}"
        database = args.database or f"sqlite+aiosqlite:///{workdir / f'backlog-{tag}.db'}"
        if postgres:
            await reset_postgres(database)
        await fill(workdir, database, receiver, size, tag)
        rate, first, peak = await drain(workdir, database, receiver, size, 1, tag)
        rates.setdefault(size, []).append(rate)
        print(
            f"backlog {size:>7}: drained at {rate:6.0f}/s by one process; RSS {first:.0f} MB "
            f"at start, {peak:.0f} MB at most",
            flush=True,
        )
    baseline, big = statistics.median(rates[1000]), rates[args.backlog][0]
    print(f"backlog {args.backlog}/1000 drain ratio: {big / baseline:.2f} (1000: median of 3)")
    if args.processes > 1:
        assert postgres, "--processes needs --database postgresql+asyncpg://..."
        assert args.database is not None
        await reset_postgres(args.database)
        await fill(workdir, args.database, receiver, args.backlog, "multi")
        many, _first, _peak = await drain(
            workdir, args.database, receiver, args.backlog, args.processes, "multi"
        )
        print(f"backlog {args.backlog}: drained at {many:6.0f}/s by {args.processes} processes")
        print(f"{args.processes} processes/1 process ratio: {many / big:.2f}")


async def burst_mode(args: argparse.Namespace, workdir: Path, receiver: str) -> None:
    bare: list[float] = []
    delivered: list[float] = []
    for number in range(1, args.rounds + 1):
        bare.append(await run_bare(free_port(), make_requests(args.events, f"bare{number}"), 64))
        delivered.append(await burst(workdir, receiver, args.events, f"burst{number}"))
        print(
            f"round {number}: bare {bare[-1]:7.0f}/s  delivered end to end {delivered[-1]:7.0f}/s",
            flush=True,
        )
    latencies = await idle_latency(workdir, receiver, args.idle)
    ratios = [d / b for d, b in zip(delivered, bare, strict=True)]
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 100 else max(latencies)
    print(
        f"{args.events} events a round, {CONCURRENCY} posted at once, webhook concurrency {LANE}, "
        f"{args.rounds} rounds; every event delivered (a repeat, if any, is named above)"
    )
    print(
        f"median deliveries/s: {statistics.median(delivered):.0f} "
        f"(bare {statistics.median(bare):.0f}/s)"
    )
    print(
        f"idle accept → delivered over {len(latencies)} events: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print("per-round deliver/bare: " + " ".join(f"{r:.2f}" for r in ratios))
    print(f"deliver/bare ratio: {statistics.median(ratios):.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=int, default=200, help="events for the idle latency")
    parser.add_argument("--backlog", type=int, default=0, help="drain a stored backlog of N")
    parser.add_argument("--database", help="with --backlog: a PostgreSQL URL (default SQLite)")
    parser.add_argument("--processes", type=int, default=1, help="with --backlog on PostgreSQL")
    args = parser.parse_args()

    port = free_port()
    receiver_process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_receiver.py"), str(port)], cwd=ROOT
    )
    receiver = f"http://127.0.0.1:{port}"
    try:
        await wait_up(receiver, receiver_process)
        with tempfile.TemporaryDirectory(prefix="gateway-deliver-") as folder:
            if args.backlog:
                await backlog_mode(args, Path(folder), receiver)
            else:
                await burst_mode(args, Path(folder), receiver)
    finally:
        await asyncio.to_thread(stop, receiver_process)


if __name__ == "__main__":
    asyncio.run(main())
