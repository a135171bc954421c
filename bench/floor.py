"""The floor of this stack: the least a program can do to accept and deliver, against the gateway.

    .venv/bin/python bench/floor.py [--events 4000] [--rounds 5]

`bench/deliver.py` asks the gateway for deliver/bare >= 0.25. This says how
far that is from what aiohttp, uvloop and SQLite allow in one Python process
on this machine at all. The floor program (`--serve`, below) keeps only the
bones: an aiohttp POST handler that parses the body and waits for its row's
group commit (a writer thread, WAL, FULL for inserts, NORMAL for the rest),
and one lane of 32 that claims due rows, POSTs each to the receiver and
settles it. No signature, no schema, no routing, no attempts, no metrics,
no lease expiry: nothing the gateway promises beyond "kept, then delivered".

Each round measures bare, floor and gateway back to back, with the events,
concurrency and receiver of `bench/deliver.py`; each is divided by the bare
figure of its own round, and the medians are printed. The last line is
`floor/bare ratio: 0.NN`.
"""

from __future__ import annotations

import argparse
import asyncio
import queue
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from deliver import CONCURRENCY, LANE, burst, until_delivered
from ingest import ROOT, blast, make_requests, run_bare, stop, wait_up

from gateway.devtools.ports import free_port

Write = tuple[str, Any, "asyncio.Future[Any]"]


def commit_forever(path: str, writes: queue.SimpleQueue[Write], loop: Any) -> None:
    """The writer thread: every write waiting in one transaction, answered on the loop."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS due (id TEXT PRIMARY KEY, body BLOB, state TEXT, lease REAL)"
    )
    connection.execute("CREATE INDEX IF NOT EXISTS ix_due ON due (state, id)")
    full = None
    while True:
        batch = [writes.get()]
        while len(batch) < 512:
            try:
                batch.append(writes.get_nowait())
            except queue.Empty:
                break
        durable = any(kind == "insert" for kind, _, _ in batch)
        if durable != full:
            connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            full = durable
        connection.execute("BEGIN IMMEDIATE")
        inserts = [payload for kind, payload, _ in batch if kind == "insert"]
        connection.executemany("INSERT INTO due VALUES (?, ?, 'pending', NULL)", inserts)
        settles = [(payload,) for kind, payload, _ in batch if kind == "settle"]
        connection.executemany("UPDATE due SET state = 'done' WHERE id = ?", settles)
        results = [
            connection.execute(
                "UPDATE due SET state = 'running', lease = ? WHERE id IN "
                "(SELECT id FROM due WHERE state = 'pending' ORDER BY id LIMIT ?) "
                "RETURNING id, body",
                (time.time(), payload),
            ).fetchall()
            if kind == "claim"
            else None
            for kind, payload, _ in batch
        ]
        connection.execute("COMMIT")
        loop.call_soon_threadsafe(answer, batch, results)


def answer(batch: list[Write], results: list[Any]) -> None:
    for (_, _, future), result in zip(batch, results, strict=True):
        if not future.done():
            future.set_result(result)


def serve(database: str, port: int, receiver: str) -> None:
    """The floor program itself, until it is stopped."""
    import uvloop

    writes: queue.SimpleQueue[Write] = queue.SimpleQueue()

    def submit(kind: str, payload: Any) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        writes.put((kind, payload, future))
        return future

    wake = asyncio.Event()

    async def accept(request: web.Request) -> web.Response:
        body = await request.read()
        event_id = orjson.loads(body)["id"]
        await submit("insert", (event_id, body))
        wake.set()
        return web.Response(body=orjson.dumps({"id": event_id}), status=202)

    async def deliver(session: aiohttp.ClientSession, event_id: str, body: bytes) -> None:
        headers = {"Content-Type": "application/cloudevents+json"}
        headers["Idempotency-Key"] = f"{event_id}:webhook"
        async with session.post(receiver, data=body, headers=headers) as response:
            await response.read()
        await submit("settle", event_id)

    async def lane(session: aiohttp.ClientSession) -> None:
        in_flight: set[asyncio.Task[None]] = set()

        def finished(task: asyncio.Task[None]) -> None:
            in_flight.discard(task)
            wake.set()

        while True:
            wake.clear()
            room = LANE - len(in_flight)
            if room >= LANE // 4 or not in_flight:
                rows = await submit("claim", room)
                for event_id, body in rows:
                    task = asyncio.create_task(deliver(session, event_id, body))
                    in_flight.add(task)
                    task.add_done_callback(finished)
                if len(rows) == room:
                    continue
            try:
                await asyncio.wait_for(wake.wait(), 0.5)
            except TimeoutError:
                pass

    async def start(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=commit_forever, args=(database, writes, loop), daemon=True).start()
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=LANE))
        task = asyncio.create_task(lane(session))

        async def close(_app: web.Application) -> None:
            task.cancel()
            await session.close()

        app.on_cleanup.append(close)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/v1/events", accept)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(start)
    web.run_app(
        app, host="127.0.0.1", port=port, access_log=None, print=None, loop=uvloop.new_event_loop()
    )


async def floor_burst(workdir: Path, receiver: str, events: int, tag: str) -> float:
    """As `deliver.burst`, to the floor program: first post to the receiver's last delivery."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = str(workdir / f"{tag}.db")
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", database, str(port), f"{receiver}/events"],
        cwd=ROOT,
    )
    async with aiohttp.ClientSession() as session:
        try:
            await wait_up(url, process)
            await blast(url, make_requests(200, f"{tag}w"), CONCURRENCY)
            await until_delivered(session, receiver, 200, 60, f"bench-{tag}w-")
            started = time.time()
            _seconds, statuses = await blast(url, make_requests(events, tag), CONCURRENCY)
            assert statuses == {202: events}, statuses
            stats = await until_delivered(session, receiver, events, 300, f"bench-{tag}-")
            assert stats["unique"] == events, f"only {stats['unique']} of {events} delivered"
        finally:
            await asyncio.to_thread(stop, process)
    return events / (stats["last_at"] - started)


async def compare(events: int, rounds: int) -> None:
    port = free_port()
    receiver_process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_receiver.py"), str(port)], cwd=ROOT
    )
    receiver = f"http://127.0.0.1:{port}"
    floors: list[float] = []
    gateways: list[float] = []
    try:
        await wait_up(receiver, receiver_process)
        with tempfile.TemporaryDirectory(prefix="gateway-floor-") as folder:
            workdir = Path(folder)
            for number in range(1, rounds + 1):
                requests = make_requests(events, f"bare{number}")
                bare = await run_bare(free_port(), requests, CONCURRENCY)
                floor = await floor_burst(workdir, receiver, events, f"floor{number}")
                gateway = await burst(workdir, receiver, events, f"gateway{number}")
                floors.append(floor / bare)
                gateways.append(gateway / bare)
                print(
                    f"round {number}: bare {bare:6.0f}/s  floor {floor:5.0f}/s ({floor / bare:.2f})"
                    f"  gateway {gateway:5.0f}/s ({gateway / bare:.2f})",
                    flush=True,
                )
    finally:
        await asyncio.to_thread(stop, receiver_process)
    print(f"gateway/bare ratio: {statistics.median(gateways):.2f}")
    print(
        f"gateway/floor: {statistics.median(g / f for g, f in zip(gateways, floors, strict=True)):.2f}"
    )
    print(f"floor/bare ratio: {statistics.median(floors):.2f}")


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        database, port, receiver = sys.argv[2:5]
        serve(database, int(port), receiver)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(compare(args.events, args.rounds))


if __name__ == "__main__":
    main()
