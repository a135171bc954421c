"""Issue 13: a backup taken while events stream in holds every event accepted before it began,
and restores into a fresh gateway; on SQLite and on PostgreSQL (pg_dump/pg_restore)."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from gateway import appkeys
from gateway.store import open_store, views
from gateway.store.backup import BackupError, backup_sqlite, restore_sqlite
from tests.support.events import example
from tests.support.settings import OPERATOR_TOKEN, SECRET, build_settings


def _config(folder: Path, database_url: str, name: str) -> Path:
    path = folder / name
    path.write_text(
        f'[gateway]\ndatabase_url = "{database_url}"\n'
        f'[auth]\nportal_secrets = ["{SECRET}"]\noperator_tokens = ["{OPERATOR_TOKEN}"]\n'
    )
    return path


async def _cli(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gateway.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def _fresh_database(database_url: str) -> str:
    """Where to restore: a new SQLite file, or a new PostgreSQL database beside the test one."""
    if database_url.startswith("sqlite"):
        return database_url.replace("gateway.db", "restored.db")
    name = f"gateway_restore_{uuid.uuid4().hex[:8]}"
    server = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return database_url.rsplit("/", 1)[0] + f"/{name}"


async def _drop(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        name = database_url.rsplit("/", 1)[1]
        server = (
            database_url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
            + "/postgres"
        )
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@pytest.mark.slow
async def test_backup_while_serving_then_restore_into_a_fresh_gateway(
    start_gateway, database_url: str, tmp_path: Path
) -> None:
    portal, app = await start_gateway(build_settings(database_url))
    accepted: list[tuple[float, str]] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def stream() -> None:
        while not stop.is_set():
            event = example("request.submitted")
            if (await portal.post_event(event)).status_code == 202:
                accepted.append((loop.time(), event["id"]))

    streaming = asyncio.create_task(stream())
    await asyncio.sleep(0.5)
    began = loop.time()
    target = tmp_path / "backup.db"
    code, output = await _cli(
        "db", "backup", "--config", str(_config(tmp_path, database_url, "a.toml")), str(target)
    )
    await asyncio.sleep(0.3)  # events keep coming after the backup
    stop.set()
    await streaming
    assert code == 0, output
    before = {event_id for at, event_id in accepted if at < began}
    assert len(before) > 10 and len(accepted) > len(before)

    restored_url = await _fresh_database(database_url)
    try:
        config = _config(tmp_path, restored_url, "b.toml")
        code, output = await _cli("db", "restore", "--yes", "--config", str(config), str(target))
        assert code == 0, output
        store = await open_store(restored_url)  # a fresh gateway's store, migrated as serve would
        try:
            page = await views.list_events(store, limit=500)
            stored = {item["id"] for item in page["items"]}
            while page.get("next_cursor"):
                page = await views.list_events(store, limit=500, cursor=page["next_cursor"])
                stored |= {item["id"] for item in page["items"]}
        finally:
            await store.close()
        assert before <= stored, f"{len(before - stored)} accepted events missing from the backup"
    finally:
        await _drop(restored_url)
    assert app[appkeys.STORE] is not None


def test_sqlite_backup_refuses_to_overwrite_and_restore_refuses_what_is_not_a_gateway_db(
    tmp_path: Path,
) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(BackupError, match="not a sound gateway database"):
        restore_sqlite(other, tmp_path / "gateway.db")
    with pytest.raises(BackupError, match="exists"):
        backup_sqlite(other, other)
    with pytest.raises(BackupError, match="no database"):
        backup_sqlite(tmp_path / "missing.db", tmp_path / "copy.db")


async def test_upgrade_sql_shows_the_migrations_and_runs_none(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    code, output = await _cli(
        "db", "upgrade", "--sql", "--config", str(_config(tmp_path, url, "c.toml"))
    )
    assert code == 0, output
    assert "CREATE TABLE events" in output and "CREATE TABLE send_log" in output
    assert not (tmp_path / "empty.db").exists() or "events" not in {
        row[0]
        for row in sqlite3.connect(tmp_path / "empty.db").execute("SELECT name FROM sqlite_master")
    }
    code, output = await _cli("db", "upgrade", "--config", str(_config(tmp_path, url, "c.toml")))
    assert code == 0, output
    code, output = await _cli(
        "db", "upgrade", "--sql", "--config", str(_config(tmp_path, url, "c.toml"))
    )
    assert code == 0 and "CREATE TABLE" not in output  # nothing left to run
