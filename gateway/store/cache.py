"""A small key-value cache in the gateway's own database, one namespace per plugin.

In the database rather than in memory, so a restart does not cost a second
call to a backend that counts calls, and several processes share it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from gateway.store.db import Store
from gateway.store.models import lookup_cache, utcnow


class Cache:
    """Implements `gateway.plugin_api.Cache` for one plugin's namespace."""

    def __init__(self, store: Store, namespace: str) -> None:
        self._store = store
        self.namespace = namespace

    async def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None when there is none or it has expired."""
        async with self._store.read() as connection:
            row = (
                await connection.execute(
                    select(lookup_cache.c.value, lookup_cache.c.expires_at).where(
                        lookup_cache.c.namespace == self.namespace, lookup_cache.c.key == key
                    )
                )
            ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None:
        now = utcnow()

        def write(connection: Connection) -> None:
            mine = (lookup_cache.c.namespace == self.namespace) & (lookup_cache.c.key == key)
            connection.execute(delete(lookup_cache).where(mine))
            connection.execute(
                insert(lookup_cache).values(
                    namespace=self.namespace,
                    key=key,
                    value=value,
                    stored_at=now,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                )
            )

        await self._store.transact(write)

    async def forget(self, key: str) -> None:
        await self._store.transact(
            lambda connection: connection.execute(
                delete(lookup_cache).where(
                    lookup_cache.c.namespace == self.namespace, lookup_cache.c.key == key
                )
            )
        )
