"""Run a gateway app inside the current event loop, on a given or free port (demo, tests, bench)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from gateway import appkeys
from gateway.app import create_app
from gateway.assembly import Assembly
from gateway.config import Settings
from gateway.http_server import listening
from gateway.plugins import PluginHost


@contextlib.asynccontextmanager
async def running_gateway(
    config: Settings | Assembly, host: PluginHost | None = None, port: int | None = None
) -> AsyncIterator[tuple[str, web.Application]]:
    """Yield (base URL, app); everything is stopped on leaving the block."""
    app = create_app(config, host)
    settings = app[appkeys.SETTINGS]
    async with listening(
        app,
        settings.gateway.host,
        settings.gateway.port if port is None else port,
        settings.gateway.server,
        access_log=None,
    ) as runner:
        bound = runner.addresses[0][1] if runner.addresses else settings.gateway.port
        yield f"http://{settings.gateway.host}:{bound}", app
