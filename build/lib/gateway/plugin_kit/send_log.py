"""A durable record of calls to a backend that cannot deduplicate: about to send, done, or nothing.

A plugin marks a call `sending` just before the request that may do the
work, `done` (with what came back) after a definite answer, and forgets it
when the backend refused before doing anything. A later attempt that finds
`sending` knows an earlier answer was lost: it must find out what the
backend did, or raise `OutcomeUnknownError`, but never simply send again.

The records live in the gateway's `send_log` table (the plugin's namespace),
written through the group-commit writer, so a record is durable before the
call goes out and shared by every process on the same database.
"""

from __future__ import annotations

from typing import Any

from gateway.plugin_kit.storage import SendRecords

SENDING = "sending"
DONE = "done"


class SendLog:
    def __init__(self, records: SendRecords | None, keep_days: float) -> None:
        #: None outside a running gateway (e.g. a connector built by a test without a store)
        self.records = records
        self.ttl = keep_days * 86_400

    async def get(self, key: str) -> dict[str, Any] | None:
        """The record: `{"state": "sending"|"done", "at": ..., **facts}`, or None."""
        return await self.records.get(key) if self.records is not None else None

    async def state(self, key: str) -> str | None:
        record = await self.get(key)
        return record.get("state") if record else None

    async def sending(self, key: str, **facts: Any) -> None:
        """About to send; `facts` (where it goes, what it is called) help whoever settles a lost answer."""
        await self._put(key, SENDING, facts)

    async def done(self, key: str, **facts: Any) -> None:
        await self._put(key, DONE, facts)

    async def forget(self, key: str) -> None:
        if self.records is not None:
            await self.records.forget(key)

    async def _put(self, key: str, state: str, facts: dict[str, Any]) -> None:
        if self.records is not None:
            await self.records.put(key, state, facts, self.ttl)
