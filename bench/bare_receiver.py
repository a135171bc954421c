"""The no-op receiver the delivery benchmark delivers to: answers 204 at once, counts what came.

It runs as its own process, so the gateway's CPU is the gateway's. Each
delivery is known by its `Idempotency-Key`; a key seen twice is a duplicate.
`GET /stats?prefix=` says how many came (of the keys with that prefix), how
many were duplicates and when the last came (wall clock, comparable with the load generator's on one machine);
`GET /arrivals` the arrival time of each key since the last `POST /reset`.
"""

from __future__ import annotations

import sys
import time

from aiohttp import web

arrivals: dict[str, float] = {}
repeats: dict[str, int] = {}
counters = {"count": 0, "duplicates": 0}


async def deliver(request: web.Request) -> web.Response:
    await request.read()
    key = request.headers.get("Idempotency-Key", "")
    counters["count"] += 1
    if key in arrivals:
        counters["duplicates"] += 1
        repeats[key] = repeats.get(key, 1) + 1
    else:
        arrivals[key] = time.time()
    return web.Response(status=204)


async def stats(request: web.Request) -> web.Response:
    """What came; with `?prefix=`, only the keys that start with it."""
    prefix = request.query.get("prefix", "")
    mine = [at for key, at in arrivals.items() if key.startswith(prefix)]
    return web.json_response(
        {
            "count": counters["count"],
            "unique": len(mine),
            "duplicates": sum(n - 1 for key, n in repeats.items() if key.startswith(prefix)),
            "first_at": min(mine, default=0.0),
            "last_at": max(mine, default=0.0),
        }
    )


async def arrived(_request: web.Request) -> web.Response:
    return web.json_response(arrivals)


async def reset(_request: web.Request) -> web.Response:
    arrivals.clear()
    repeats.clear()
    counters.update(count=0, duplicates=0)
    return web.json_response({"reset": True})


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    app = web.Application()
    app.router.add_post("/events", deliver)
    app.router.add_get("/stats", stats)
    app.router.add_get("/arrivals", arrived)
    app.router.add_post("/reset", reset)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
