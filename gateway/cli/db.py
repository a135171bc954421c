"""`gateway db`: the schema (upgrade, or its SQL), and backups (backup while serving, restore stopped)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gateway.cli.common import config_option, main, run, settings_of


@main.group()
def db() -> None:
    """The gateway's database: schema upgrades, backup and restore."""


@db.command("upgrade")
@config_option
@click.option("--sql", is_flag=True, help="print the SQL the upgrade would run; run nothing")
def db_upgrade(config_path: str, sql: bool) -> None:
    """Apply the Alembic migrations (the gateway also does this at start-up)."""
    from gateway.store import open_store

    url = settings_of(config_path).gateway.database_url
    if sql:
        from alembic import command

        from gateway.store.engines import alembic_config
        from gateway.store.revision import current_revision

        start = run(lambda: current_revision(url))
        command.upgrade(alembic_config(url), f"{start}:head" if start else "head", sql=True)
        return

    async def work() -> None:
        store = await open_store(url)
        await store.close()

    run(work)
    click.echo("database schema is up to date")


@db.command("backup")
@config_option
@click.argument("target", type=click.Path(dir_okay=False))
def db_backup(config_path: str, target: str) -> None:
    """Copy the database to TARGET while the gateway runs (SQLite: a consistent snapshot).

    Exit codes: 0 done; 1 the tool it needs is missing (the command is printed); 2 it failed.
    """
    from gateway.store import backup

    _report(
        "backup", lambda: backup.backup(settings_of(config_path).gateway.database_url, Path(target))
    )


@db.command("restore")
@config_option
@click.argument("source", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="do not ask: the database is replaced by the backup")
def db_restore(config_path: str, source: str, yes: bool) -> None:
    """Put the backup SOURCE in the database's place. Stop the gateway first.

    Exit codes as for backup.
    """
    from gateway.store import backup

    url = settings_of(config_path).gateway.database_url
    if not yes:
        click.confirm(f"replace the database of {config_path} with {source}?", abort=True)
    _report("restore", lambda: backup.restore(url, Path(source)))


def _report(action: str, call: Callable[[], Any]) -> None:
    """Say how a backup or restore went; the documented exit codes."""
    from gateway.store.backup import BackupError

    try:
        outcome = call()
    except BackupError as exc:
        click.echo(f"{action} failed: {exc}", err=True)
        sys.exit(2)
    click.echo(outcome.message)
    sys.exit(0 if outcome.done else 1)
