"""The send log's table, one namespace per plugin: what `gateway.plugin_api.SendLog` writes to.

Every change goes through the group-commit writer, so a `sending` record is
committed before the call it announces goes out.
"""

from __future__ import annotations

from typing import Any

from gateway.store.keyed_rows import KeyedRows
from gateway.store.models import send_log, utcnow


class SendRecordTable(KeyedRows):
    """Implements `gateway.plugin_api.SendRecords` for one plugin's namespace."""

    table = send_log

    async def get(self, key: str) -> dict[str, Any] | None:
        row = await self._live(key, send_log.c.state, send_log.c.facts, send_log.c.recorded_at)
        if row is None:
            return None
        return {**row.facts, "state": row.state, "at": row.recorded_at.isoformat()}

    async def put(self, key: str, state: str, facts: dict[str, Any], ttl_seconds: float) -> None:
        await self._replace(
            key, {"state": state, "facts": facts, "recorded_at": utcnow()}, ttl_seconds
        )
