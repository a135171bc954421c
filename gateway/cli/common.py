"""What every `gateway` command shares: the group, the config option, assembling, running."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click

from gateway.assembly import Assembly, assemble_file
from gateway.config import ConfigError, Settings
from gateway.plugins import PluginHost

T = TypeVar("T")
config_option = click.option(
    "--config",
    "config_path",
    default="gateway.toml",
    envvar="GATEWAY_CONFIG",
    show_default=True,
    show_envvar=True,
    type=click.Path(dir_okay=False),
    help="the TOML config file (or set GATEWAY_CONFIG)",
)


def assembled(path: str, host: PluginHost | None = None) -> Assembly:
    """The config assembled with the installed plugins; its problems printed, exit 2, when it is wrong."""
    try:
        return assemble_file(path, host=host)
    except ConfigError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s):", err=True)
        for item in exc.problems:
            click.echo(f"  {item}", err=True)
        sys.exit(2)


def settings_of(path: str) -> Settings:
    return assembled(path).settings


def run(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


async def with_store(config_path: str, work: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """`work(store)` on the database the config names, closed afterwards."""
    from gateway.store import open_store

    store = await open_store(settings_of(config_path).gateway.database_url)
    try:
        return await work(store)
    finally:
        await store.close()


async def audited(
    store: Any, action: str, targets: dict[str, Any], reason: str | None, work: Awaitable[T]
) -> T:
    """Run `work` and record it in the audit log as done or failed, as the API does.

    Whoever runs the CLI has the database: an admin, named by their login.
    """
    from gateway.store import audit

    actor = f"cli:{getpass.getuser()}"
    try:
        result = await work
    except Exception:
        await audit.record(store, audit.Entry(actor, "admin", action, targets, "failed", reason))
        raise
    await audit.record(store, audit.Entry(actor, "admin", action, targets, "done", reason))
    return result


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group()
@click.version_option(package_name="municipal-gateway")
def main() -> None:
    """Municipal integration gateway: portal events to back-office systems, durably."""
