"""The README's plugin example is real: it runs here, through a gateway, against a mock backend."""

from __future__ import annotations

import re
import tomllib
import types
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.plugins import PluginHost
from mocks.base import MockBackend
from tests.support.events import example
from tests.support.settings import build_settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _blocks(language: str, after: str) -> list[str]:
    section = README[README.index(after) :]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


class TicketDesk(MockBackend):
    """The ticketing system the README's plugin talks to."""

    name = "tickets"

    def __init__(self) -> None:
        self.tickets: dict[str, dict[str, Any]] = {}
        super().__init__()

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/tickets", self._create)
        app.router.add_get("/tickets/{id}", self._get)
        app.router.add_get("/health", self._health)

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        ticket = {
            "id": str(len(self.tickets) + 1),
            **body,
            "key": request.headers["Idempotency-Key"],
        }
        self.tickets[ticket["id"]] = ticket
        return web.json_response(ticket, status=201)

    async def _get(self, request: web.Request) -> web.Response:
        return web.json_response(self.tickets[request.match_info["id"]])

    def state(self) -> dict[str, Any]:
        return {"tickets": list(self.tickets.values())}


async def test_readme_plugin_example_runs(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    code = _blocks("python", "## Writing a plugin")[0]
    plugin = types.ModuleType("readme_tickets")
    exec(compile(code, "README.md", "exec"), plugin.__dict__)
    config = tomllib.loads(_blocks("toml", "## Writing a plugin")[1])

    desk = TicketDesk()
    await desk.start()
    try:
        section = {**config["plugins"]["tickets"], "url": desk.url}
        host = PluginHost(extra={"tickets": plugin})
        settings = build_settings(sqlite_url, {"tickets": section}, config["routes"], host=host)
        portal, _ = await start_gateway(settings, host)

        report = example(
            "request.submitted",
            data={"request_type": "everyday_report", "report": {"category": "street_lighting"}},
        )
        report["data"].pop("business")
        other = example("request.submitted")
        for event in (report, other):
            assert (await portal.post_event(event)).status_code == 202

        settled = await portal.wait_settled(report["id"])
        assert settled["deliveries"][0]["result"] == {"ticket": "1"}
        assert (await portal.get(f"/v1/events/{other['id']}")).json()[
            "deliveries"
        ] == []  # the route's match
        assert desk.tickets["1"]["queue"] == "everyday-reports"
        assert desk.tickets["1"]["key"] == f"{report['id']}:tickets"
        assert (await portal.get("/v1/lookups/tickets/1")).json()["subject"] == report["data"][
            "subject"
        ]
        health = (await portal.get("/v1/health")).json()
        assert health["plugins"]["tickets"]["ok"] is True
    finally:
        await desk.stop()
