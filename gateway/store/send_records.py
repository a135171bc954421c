"""The send log's table, one namespace per plugin: what `gateway.plugin_api.SendLog` writes to.

Every change goes through the group-commit writer, so a `sending` record is
committed before the call it announces goes out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from gateway.store.db import Store
from gateway.store.models import send_log, utcnow


class SendRecordTable:
    """Implements `gateway.plugin_api.SendRecords` for one plugin's namespace."""

    def __init__(self, store: Store, namespace: str) -> None:
        self._store = store
        self.namespace = namespace

    def _mine(self, key: str) -> Any:
        return (send_log.c.namespace == self.namespace) & (send_log.c.key == key)

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self._store.read() as connection:
            row = (
                await connection.execute(
                    select(
                        send_log.c.state,
                        send_log.c.facts,
                        send_log.c.recorded_at,
                        send_log.c.expires_at,
                    ).where(self._mine(key))
                )
            ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return {**row.facts, "state": row.state, "at": row.recorded_at.isoformat()}

    async def put(self, key: str, state: str, facts: dict[str, Any], ttl_seconds: float) -> None:
        now = utcnow()

        def write(connection: Connection) -> None:
            connection.execute(delete(send_log).where(self._mine(key)))
            connection.execute(
                insert(send_log).values(
                    namespace=self.namespace,
                    key=key,
                    state=state,
                    facts=facts,
                    recorded_at=now,
                    expires_at=now + timedelta(seconds=ttl_seconds),
                )
            )

        await self._store.transact(write)

    async def forget(self, key: str) -> None:
        mine = self._mine(key)
        await self._store.transact(
            lambda connection: connection.execute(delete(send_log).where(mine))
        )
