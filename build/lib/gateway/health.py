"""Each plugin's backend health, asked with a time limit: for `/readyz` and `check-config --backends`."""

from __future__ import annotations

import asyncio

from gateway.assembly import Assembly
from gateway.plugin_api import Health, HealthCheck

HEALTH_TIMEOUT = 5.0


async def checked(check: HealthCheck | None) -> Health:
    """A check's answer; its failure or silence is an unhealthy answer, never an exception."""
    if check is None:
        return Health(True, "no health check")
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            return await check()
    except TimeoutError:
        return Health(False, f"no answer within {HEALTH_TIMEOUT:g}s")
    except Exception as exc:
        return Health(False, f"{type(exc).__name__}: {exc}")


async def check_backends(parts: Assembly) -> dict[str, Health]:
    """Every enabled plugin's health check, once, with connectors built as the gateway builds them."""
    results: dict[str, Health] = {}
    for name, context in parts.contexts().items():
        connector = parts.host.connector(context)
        try:
            results[name] = await checked(parts.host.health_check(context, connector))
        finally:
            await connector.aclose()
    return results
