"""Backing up and restoring the gateway's database: SQLite by its online backup API, PostgreSQL by pg_dump.

SQLite's backup API copies a consistent snapshot page by page while the
gateway keeps writing (WAL mode), so a backup never needs a stop; a copy of
the file with `cp` can catch a half-written transaction. PostgreSQL's own
tools do the same for it; where they are not installed, the command to run
is said instead.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

REQUIRED_TABLES = {"events", "deliveries", "attempts", "alembic_version"}


class BackupError(Exception):
    """Why a backup or restore could not be done (said to the operator as it is)."""


@dataclass(frozen=True)
class Outcome:
    done: bool
    message: str


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.split(":///", 1)[1])


def postgres_dsn(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def backup_sqlite(database: Path, target: Path) -> Outcome:
    if not database.exists():
        raise BackupError(f"no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent snapshot, while the gateway writes
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        events = copy.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    return Outcome(True, f"backed up {database} to {target}: {events} events, integrity ok")


def restore_sqlite(backup: Path, database: Path) -> Outcome:
    """Put a backup in the database's place; the gateway must be stopped (its file is replaced)."""
    if not backup.exists():
        raise BackupError(f"no backup at {backup}")
    check = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        missing = REQUIRED_TABLES - _tables(check)
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if missing or verdict != "ok":
        raise BackupError(
            f"{backup} is not a sound gateway database "
            f"({'missing ' + ', '.join(sorted(missing)) if missing else verdict})"
        )
    for suffix in ("-wal", "-shm"):  # the old database's log must not be replayed onto the backup
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    partial = database.with_name(database.name + ".restoring")
    shutil.copyfile(backup, partial)
    partial.replace(database)  # atomic: the database is the old one or the backup, never half
    return Outcome(True, f"restored {backup} to {database}; start the gateway")


def backup_postgres(database_url: str, target: Path) -> Outcome:
    command = ["pg_dump", "--format=custom", f"--file={target}", postgres_dsn(database_url)]
    return _tool(command)


def restore_postgres(database_url: str, backup: Path) -> Outcome:
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        f"--dbname={postgres_dsn(database_url)}",
        str(backup),
    ]
    return _tool(command)


def _tool(command: list[str]) -> Outcome:
    import subprocess

    shown = re.sub(r"://([^:@/]+):[^@/]+@", r"://\1:***@", " ".join(command))  # no password shown
    if shutil.which(command[0]) is None:
        return Outcome(False, f"{command[0]} is not installed here; run:\n  {shown}")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{shown} failed: {done.stderr.strip()[-1000:]}")
    return Outcome(True, f"done: {shown}")


def backup(database_url: str, target: Path) -> Outcome:
    """The database the URL names, copied to `target` by the means its kind has."""
    if database_url.startswith("sqlite"):
        return backup_sqlite(sqlite_path(database_url), target)
    return backup_postgres(database_url, target)


def restore(database_url: str, source: Path) -> Outcome:
    if database_url.startswith("sqlite"):
        return restore_sqlite(source, sqlite_path(database_url))
    return restore_postgres(database_url, source)
