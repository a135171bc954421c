"""Pausing a plugin's deliveries: stored, so the pause holds across restarts and in every process.

A paused plugin's lane claims nothing (the claim itself checks, in the same
transaction); new events still get their deliveries, which wait as pending.
Nothing is dropped, unlike destinations that discard what arrives while
disabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from gateway.store.db import Store
from gateway.store.models import plugin_pauses, utcnow


@dataclass(frozen=True)
class Pause:
    plugin: str
    reason: str
    paused_by: str
    paused_at: datetime

    def as_dict(self) -> dict[str, str]:
        return {
            "reason": self.reason,
            "paused_by": self.paused_by,
            "paused_at": self.paused_at.isoformat().replace("+00:00", "Z"),
        }


async def pause(store: Store, plugin: str, reason: str, paused_by: str) -> bool:
    """Pause `plugin`; False when it was already paused (the first reason stays)."""

    def write(connection: Connection) -> bool:
        found = connection.execute(
            select(plugin_pauses.c.plugin).where(plugin_pauses.c.plugin == plugin)
        ).first()
        if found is not None:
            return False
        connection.execute(
            insert(plugin_pauses).values(
                plugin=plugin, reason=reason, paused_by=paused_by, paused_at=utcnow()
            )
        )
        return True

    result: bool = await store.transact(write)
    return result


async def resume(store: Store, plugin: str) -> bool:
    """Resume `plugin`; False when it was not paused."""

    def write(connection: Connection) -> bool:
        gone = connection.execute(delete(plugin_pauses).where(plugin_pauses.c.plugin == plugin))
        return bool(gone.rowcount)

    result: bool = await store.transact(write)
    return result


async def paused(store: Store) -> dict[str, Pause]:
    async with store.read() as connection:
        rows = (await connection.execute(select(plugin_pauses))).all()
    return {row.plugin: Pause(row.plugin, row.reason, row.paused_by, row.paused_at) for row in rows}
