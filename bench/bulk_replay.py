"""Bulk replay of dead letters on SQLite: 5,000 in one call, against replaying them one event at a time.

Issue 14 asks that 5,000 dead letters be replayed in one call in under 10 s
on SQLite. This measures the bulk call and, as the baseline in the same
run, the same work done event by event (500 of them, scaled to 5,000).

    .venv/bin/python bench/bulk_replay.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.store import bulk, open_store, repair
from tests.support.store import new_event

COUNT = 5000
BASELINE = 500


async def dead_letters(url: str, prefix: str, count: int):  # type: ignore[no-untyped-def]
    store = await open_store(url)
    await store.accept([new_event(f"{prefix}{i}", ["genesis"]) for i in range(count)])
    async with store.write() as connection:
        await connection.exec_driver_sql(
            "UPDATE deliveries SET state = 'dead', last_error_kind = 'permanent', "
            "last_error = 'UNKNOWN_RF' WHERE plugin = 'genesis'"
        )
    return store


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await dead_letters(f"sqlite+aiosqlite:///{folder}/bulk.db", "b", COUNT)
        chosen = bulk.DeadFilter(plugin="genesis")
        started = time.perf_counter()
        found = await bulk.count(store, chosen, replayable=True)
        await bulk.replay(store, chosen, found)
        bulk_seconds = time.perf_counter() - started
        await store.close()

        store = await dead_letters(f"sqlite+aiosqlite:///{folder}/one.db", "o", BASELINE)
        started = time.perf_counter()
        for i in range(BASELINE):
            await repair.replay(store, f"o{i}")
        one_by_one = (time.perf_counter() - started) * COUNT / BASELINE
        await store.close()
    print(f"{COUNT} dead letters: bulk count + replay {bulk_seconds:.2f} s (goal < 10 s)")
    print(f"event by event, scaled from {BASELINE}: {one_by_one:.2f} s")
    print(f"bulk/one-by-one ratio: {bulk_seconds / one_by_one:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
