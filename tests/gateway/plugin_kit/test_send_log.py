"""The send log on SQLite and PostgreSQL: sending, done with facts, forgotten, kept only as long as said."""

from __future__ import annotations

import asyncio

from gateway.plugin_kit.send_log import SendLog
from gateway.store import Store
from gateway.store.send_records import SendRecordTable


async def test_sending_then_done_then_forgotten(store: Store) -> None:
    log = SendLog(SendRecordTable(store, "irida"), keep_days=1)
    assert await log.get("evt-1:protocol") is None
    await log.sending("evt-1:protocol")
    assert await log.state("evt-1:protocol") == "sending"
    await log.done("evt-1:protocol", protocol_number="28635")
    record = await log.get("evt-1:protocol")
    assert record is not None
    assert (record["state"], record["protocol_number"]) == ("done", "28635") and record["at"]
    # another plugin's namespace does not see it
    assert await SendLog(SendRecordTable(store, "email"), keep_days=1).get("evt-1:protocol") is None
    await log.forget("evt-1:protocol")
    assert await log.state("evt-1:protocol") is None


async def test_records_expire_after_the_days_kept(store: Store) -> None:
    log = SendLog(SendRecordTable(store, "email"), keep_days=0.5 / 86_400)  # half a second
    await log.sending("k")
    assert await log.state("k") == "sending"
    await asyncio.sleep(0.7)
    assert await log.state("k") is None


async def test_without_a_store_nothing_is_kept() -> None:
    log = SendLog(None, keep_days=1)
    await log.sending("k")
    await log.done("k")
    assert await log.get("k") is None and await log.state("k") is None
    await log.forget("k")
