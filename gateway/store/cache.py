"""A small key-value cache in the gateway's own database, one namespace per plugin.

In the database rather than in memory, so a restart does not cost a second
call to a backend that counts calls, and several processes share it.
"""

from __future__ import annotations

from typing import Any

from gateway.store.keyed_rows import KeyedRows
from gateway.store.models import lookup_cache, utcnow


class Cache(KeyedRows):
    """Implements `gateway.plugin_api.Cache` for one plugin's namespace."""

    table = lookup_cache

    async def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None when there is none or it has expired."""
        row = await self._live(key, lookup_cache.c.value)
        return None if row is None else row.value

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        await self._replace(key, {"value": value, "stored_at": utcnow()}, ttl_seconds)

    async def starting_with(self, prefix: str, limit: int) -> dict[str, dict[str, Any]]:
        rows = await self._live_starting_with(prefix, limit, lookup_cache.c.value)
        return {row.key: row.value for row in rows}
