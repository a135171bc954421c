"""Issue 14: `gateway dead-letters replay|dismiss` count, then act on that count, audited; by department."""

from __future__ import annotations

from pathlib import Path

from gateway.store import audit, open_store, views
from tests.support.process import run_cli
from tests.support.store import new_event


async def test_the_cli_dismisses_by_department_and_the_audit_log_says_who(
    tmp_path: Path, database_url: str
) -> None:
    store = await open_store(database_url)
    try:
        await store.accept([new_event("c1", ["genesis"]), new_event("c2", ["genesis"])])
        async with store.write() as connection:
            await connection.exec_driver_sql(
                "UPDATE deliveries SET state = 'dead', last_error_kind = 'permanent', last_error = 'UNKNOWN_RF'"
            )
    finally:
        await store.close()
    config = tmp_path / "g.toml"
    config.write_text(
        f'[gateway]\ndatabase_url = "{database_url}"\n'
        '[departments.treasury]\nname = "Ταμειακή"\npayments = true\n'
    )
    narrowed = await run_cli(
        "dead-letters", "replay", "--department", "treasury", "--yes", "--config", str(config)
    )
    assert narrowed.returncode == 0 and "0 dead letter(s) match" in narrowed.stdout
    done = await run_cli(
        "dead-letters",
        "dismiss",
        "--contains",
        "UNKNOWN_RF",
        "--reason",
        "paid at the desk",
        "--yes",
        "--config",
        str(config),
    )
    assert done.returncode == 0, done.stderr
    assert "2 dead letter(s) match" in done.stdout and "dismissed 2" in done.stdout
    store = await open_store(database_url)
    try:
        assert await views.dead_letters(store) == []
        (entry,) = await audit.entries(store, action="bulk_dismiss")
    finally:
        await store.close()
    assert entry["actor"].startswith("cli:") and entry["reason"] == "paid at the desk"
    assert entry["targets"]["expect_count"] == 2 and entry["outcome"] == "done"
