"""Settling a delivery in doubt (outcome_unknown) by hand: confirm or release."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import click

from gateway.assembly import Assembly
from gateway.cli.common import assembled, audited, config_option, main, run
from gateway.plugins import PluginLoadError

T = TypeVar("T")


@main.group()
def deliveries() -> None:
    """Settle a delivery in doubt (outcome_unknown): confirm what the backend did, or release it."""


async def _with_plugin(
    config_path: str, plugin: str, work: Callable[[Any, Any, Assembly], Awaitable[T]]
) -> T:
    """The store and the one plugin's connector, built as the gateway builds them."""
    from gateway.store import open_store

    parts = assembled(config_path)
    store = await open_store(parts.settings.gateway.database_url)
    connector = None
    try:
        context = parts.contexts(store).get(plugin)
        connector = parts.host.connector(context) if context is not None else None
        return await work(store, connector, parts)
    finally:
        if connector is not None:
            await connector.aclose()
        await store.close()


def _facts(pairs: tuple[str, ...]) -> dict[str, str]:
    facts = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="FACTS")
        facts[key] = value
    return facts


def _settle(call: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a settlement; say why it cannot be done instead of a traceback."""
    from gateway.errors import InvalidInputError
    from gateway.settlement import CannotSettle, NotInDoubt

    try:
        return run(call)
    except InvalidInputError as exc:
        click.echo(f"refused: {exc.message}", err=True)
    except (NotInDoubt, CannotSettle, PluginLoadError) as exc:
        click.echo(f"cannot settle: {exc}", err=True)
    sys.exit(1)


@deliveries.command("confirm")
@config_option
@click.argument("event_id")
@click.argument("plugin")
@click.argument("facts", nargs=-1)
@click.option("--reason", required=True, help="why: kept in the audit log")
def deliveries_confirm(
    config_path: str, event_id: str, plugin: str, facts: tuple[str, ...], reason: str
) -> None:
    """Settle as succeeded with what the backend holds (protocol: protocol_number=28640 protocol_date=2026-11-22; email: nothing)."""
    from gateway.settlement import confirm

    given = _facts(facts)

    async def work(store: Any, connector: Any, parts: Assembly) -> Any:
        return await audited(
            store,
            "confirm",
            {"event_id": event_id, "plugin": plugin},
            reason,
            confirm(
                store, plugin, connector, event_id, given, parts.schemas, parts.router.plugins_for
            ),
        )

    result, created = _settle(lambda: _with_plugin(config_path, plugin, work))
    click.echo(
        f"confirmed: {plugin} delivery of {event_id} succeeded with {json.dumps(result, ensure_ascii=False)}"
    )
    for item in created:
        click.echo(f"emitted {item.type} {item.id} → {', '.join(item.plugins) or 'no plugin'}")


@deliveries.command("release")
@config_option
@click.argument("event_id")
@click.argument("plugin")
@click.option("--reason", required=True, help="why: kept in the audit log")
def deliveries_release(config_path: str, event_id: str, plugin: str, reason: str) -> None:
    """The backend holds nothing: send the delivery again (a running gateway picks it up)."""
    from gateway.settlement import release

    _settle(
        lambda: _with_plugin(
            config_path,
            plugin,
            lambda store, connector, _s: audited(
                store,
                "release",
                {"event_id": event_id, "plugin": plugin},
                reason,
                release(store, plugin, connector, event_id),
            ),
        )
    )
    click.echo(f"released: {plugin} delivery of {event_id} is due now")
