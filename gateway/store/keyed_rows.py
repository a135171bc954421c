"""Rows a plugin keeps by (namespace, key) until they expire: what the cache and the send log share.

Reading an expired row answers nothing (retention deletes it later); writing
replaces the row in one group commit, so it is durable when the call returns.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select
from sqlalchemy.engine import Connection

from gateway.store.db import Store
from gateway.store.models import utcnow

MAX_KEY_CHARS = 200  # the column holds 256


def stored_key(key: str) -> str:
    """The key as stored: a long one by its SHA-256, so no key is too long for the column."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class KeyedRows:
    """One plugin's namespace of a table with `namespace`, `key` and `expires_at` columns."""

    table: Table

    def __init__(self, store: Store, namespace: str) -> None:
        self._store = store
        self.namespace = namespace

    def _mine(self, key: str) -> ColumnElement[bool]:
        return (self.table.c.namespace == self.namespace) & (self.table.c.key == stored_key(key))

    async def _live(self, key: str, *columns: Any) -> Any:
        """The row's columns, or None when there is none or it has expired."""
        async with self._store.read() as connection:
            row = (
                await connection.execute(
                    select(*columns, self.table.c.expires_at).where(self._mine(key))
                )
            ).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return row

    async def _live_starting_with(self, prefix: str, limit: int, *columns: Any) -> list[Any]:
        """Live rows whose key starts with `prefix` (kept whole: a hashed key matches no prefix)."""
        table = self.table
        query = (
            select(table.c.key, *columns)
            .where(
                (table.c.namespace == self.namespace)
                & table.c.key.startswith(prefix, autoescape=True)
                & (table.c.expires_at > utcnow())
            )
            .order_by(table.c.key)
            .limit(limit)
        )
        async with self._store.read() as connection:
            return list((await connection.execute(query)).all())

    async def _replace(self, key: str, values: dict[str, Any], ttl_seconds: float) -> None:
        expires_at = utcnow() + timedelta(seconds=ttl_seconds)
        mine = self._mine(key)

        def write(connection: Connection) -> None:
            connection.execute(delete(self.table).where(mine))
            connection.execute(
                insert(self.table).values(
                    namespace=self.namespace,
                    key=stored_key(key),
                    expires_at=expires_at,
                    **values,
                )
            )

        await self._store.transact(write)

    async def forget(self, key: str) -> None:
        mine = self._mine(key)
        await self._store.transact(
            lambda connection: connection.execute(delete(self.table).where(mine))
        )
