"""What the core lends a plugin to keep things in, as protocols: the store implements them.

Protocols rather than the store's classes, so a plugin (and its unit tests)
depends on two small promises, not on SQLAlchemy or the gateway's tables.
"""

from __future__ import annotations

from typing import Any, Protocol


class Cache(Protocol):
    """Answers worth reusing for a while, in the gateway's database, one namespace per plugin."""

    async def get(self, key: str) -> dict[str, Any] | None:
        """The stored value, or None when there is none or it has expired."""
        ...

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: float) -> None: ...

    async def forget(self, key: str) -> None: ...

    async def starting_with(self, prefix: str, limit: int) -> dict[str, dict[str, Any]]:
        """Live values whose key starts with `prefix` (at most `limit`), by key.

        Keep one row per item (a follower of a request, say) rather than a list
        in one row, so two deliveries adding items at once cannot lose one.
        """
        ...


class SendRecords(Protocol):
    """Durable records of calls to a backend that cannot deduplicate (see `SendLog`)."""

    async def get(self, key: str) -> dict[str, Any] | None:
        """`{"state": ..., "at": ..., **facts}`, or None when there is none or it has expired."""
        ...

    async def put(self, key: str, state: str, facts: dict[str, Any], ttl_seconds: float) -> None:
        """Record `state` with its facts, durably (committed) before returning."""
        ...

    async def forget(self, key: str) -> None: ...
