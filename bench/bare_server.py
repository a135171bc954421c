"""The baseline: a bare aiohttp endpoint that parses the same JSON and answers 202."""

from __future__ import annotations

import json
import sys

from aiohttp import web


async def accept(request: web.Request) -> web.Response:
    event = json.loads(await request.read())
    return web.json_response(
        {"id": event["id"], "status_url": f"/v1/events/{event['id']}", "deliveries": []}, status=202
    )


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    app = web.Application()
    app.router.add_post("/v1/events", accept)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
