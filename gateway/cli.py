"""The `gateway` command: serve, run mocks, check config, inspect and repair events."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from gateway.config import ConfigError, Settings, config_warnings
from gateway.plugins import PluginHost, PluginLoadError, load_settings

T = TypeVar("T")
DEFAULT_CONFIG = os.environ.get("GATEWAY_CONFIG", "gateway.toml")
config_option = click.option(
    "--config",
    "config_path",
    default=DEFAULT_CONFIG,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the TOML config file (or set GATEWAY_CONFIG)",
)


def _settings(path: str, host: PluginHost | None = None) -> Settings:
    try:
        return load_settings(path, host)
    except ConfigError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s):", err=True)
        for item in exc.problems:
            click.echo(f"  {item}", err=True)
        sys.exit(2)


def _run(factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(factory())  # type: ignore[arg-type]


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group()
@click.version_option(package_name="municipal-gateway")
def main() -> None:
    """Municipal integration gateway: portal events to back-office systems, durably."""


@main.command()
@config_option
def serve(config_path: str) -> None:
    """Run the gateway (HTTP API and delivery workers)."""
    from aiohttp import web

    from gateway.app import create_app
    from gateway.logs import configure_logging

    host = PluginHost()
    settings = _settings(config_path, host)
    configure_logging(settings.gateway.log_level)
    for warning in config_warnings(settings):
        click.echo(f"warning: {warning}", err=True)
    try:
        web.run_app(
            create_app(settings, host),
            host=settings.gateway.host,
            port=settings.gateway.port,
            print=lambda message: click.echo(
                message.splitlines()[0] if message else message, err=True
            ),
        )
    except PluginLoadError as exc:
        click.echo(f"cannot start: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # the port is taken, the database is unreachable, ...
        click.echo(f"cannot start: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)


@main.command("check-config")
@click.argument("path", type=click.Path(dir_okay=False))
def check_config(path: str) -> None:
    """Validate a config file; print every problem with its key path."""
    settings = _settings(path)
    for warning in config_warnings(settings):
        click.echo(f"warning: {warning}")
    enabled = ", ".join(settings.enabled_plugins()) or "none"
    click.echo(f"{path}: OK ({len(settings.routes)} routes; enabled plugins: {enabled})")


@main.command()
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="also show which are enabled",
)
def plugins(config_path: str | None) -> None:
    """Installed plugins with their versions, and whether the config enables them."""
    host = PluginHost()
    enabled = set(_settings(config_path, host).enabled_plugins()) if config_path else set()
    for plugin in host.installed():
        mark = "enabled" if plugin.name in enabled else ("disabled" if config_path else "")
        click.echo(
            f"{plugin.name:<12} {plugin.distribution} {plugin.version:<8} {plugin.module:<24} {mark}".rstrip()
        )


@main.command()
@config_option
def mocks(config_path: str) -> None:
    """Run the mock backend of every enabled plugin at the address its `url` names."""
    from gateway.app import plugin_contexts

    host = PluginHost()
    settings = _settings(config_path, host)

    async def run() -> None:
        started = []
        for name, context in plugin_contexts(settings).items():
            mock = host.mock(context)
            if mock is None:
                click.echo(f"{name}: no mock backend", err=True)
                continue
            url = await mock.start()
            started.append(mock)
            served = getattr(mock, "smtp_url", url)  # a mail server: SMTP there, admin over HTTP
            click.echo(f"{name}: mock listening on {served} (admin: {url}/_mock/state)", err=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        for mock in started:
            await mock.stop()

    _run(run)


@main.group()
def events() -> None:
    """Inspect and replay events (reads the database named in the config)."""


async def _with_store(config_path: str, work: Callable[[Any], Awaitable[T]]) -> T:
    from gateway.store import open_store

    store = await open_store(_settings(config_path).gateway.database_url)
    try:
        return await work(store)
    finally:
        await store.close()


@events.command("list")
@config_option
@click.option("--status", type=click.Choice(["pending", "delivered", "dead"]))
@click.option("--type", "event_type")
@click.option("--subject")
@click.option("--limit", default=50, type=click.IntRange(1, 500))
@click.option("--cursor")
@click.option("--json", "as_json", is_flag=True, help="print the API's JSON")
def events_list(
    config_path: str,
    status: str | None,
    event_type: str | None,
    subject: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """Newest events first."""
    from gateway.store import views

    try:
        page = _run(
            lambda: _with_store(
                config_path,
                lambda s: views.list_events(
                    s, status=status, type=event_type, subject=subject, limit=limit, cursor=cursor
                ),
            )
        )
    except ValueError:
        raise click.BadParameter(
            "not a cursor this gateway issued", param_hint="--cursor"
        ) from None
    if as_json:
        _print_json(page)
        return
    for item in page["items"]:
        plugins = " ".join(f"{p}={s}" for p, s in item["deliveries"].items()) or "-"
        click.echo(
            f"{item['received_at']}  {item['status']:<9} {item['type']:<24} {item['id']}  {plugins}"
        )
    if page["next_cursor"]:
        click.echo(f"more: --cursor {page['next_cursor']}")


@events.command("show")
@config_option
@click.argument("event_id")
def events_show(config_path: str, event_id: str) -> None:
    """One event with every delivery and attempt."""
    from gateway.store import views

    view = _run(lambda: _with_store(config_path, lambda s: views.event_view(s, event_id)))
    if view is None:
        click.echo(f"no event with id {event_id!r}", err=True)
        sys.exit(1)
    _print_json(view)


@events.command("replay")
@config_option
@click.argument("event_id")
def events_replay(config_path: str, event_id: str) -> None:
    """Put an event's dead or failed deliveries back in the queue."""
    from gateway.store import queue

    plugins = _run(lambda: _with_store(config_path, lambda s: queue.replay(s, event_id)))
    if plugins is None:
        click.echo(f"no event with id {event_id!r}", err=True)
        sys.exit(1)
    click.echo(
        f"replayed: {', '.join(plugins)}"
        if plugins
        else "nothing to replay: no dead or failed deliveries"
    )


@main.group()
def deliveries() -> None:
    """Settle a delivery in doubt (outcome_unknown): confirm what the backend did, or release it."""


async def _with_plugin(
    config_path: str, plugin: str, work: Callable[[Any, Any, Settings], Awaitable[T]]
) -> T:
    """The store and the one plugin's connector, built as the gateway builds them."""
    from gateway.app import plugin_contexts
    from gateway.store import open_store

    host = PluginHost()
    settings = _settings(config_path, host)
    store = await open_store(settings.gateway.database_url)
    connector = None
    try:
        context = plugin_contexts(settings, store).get(plugin)
        connector = host.connector(context) if context is not None else None
        return await work(store, connector, settings)
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


def _settle(call: Callable[[], Awaitable[T]]) -> T:
    """Run a settlement; say why it cannot be done instead of a traceback."""
    from gateway.errors import InvalidInputError
    from gateway.settlement import CannotSettle, NotInDoubt

    try:
        return _run(call)
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
def deliveries_confirm(
    config_path: str, event_id: str, plugin: str, facts: tuple[str, ...]
) -> None:
    """Settle as succeeded with what the backend holds (protocol: protocol_number=28640 protocol_date=2026-11-22; email: nothing)."""
    from gateway.contracts import contracts_dir
    from gateway.router import Router
    from gateway.schemas import EventSchemas
    from gateway.settlement import confirm

    given = _facts(facts)

    async def work(store: Any, connector: Any, settings: Settings) -> Any:
        router = Router(settings.routes, settings.enabled_plugins())
        schemas = EventSchemas(contracts_dir() / "events")
        return await confirm(store, plugin, connector, event_id, given, schemas, router.plugins_for)

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
def deliveries_release(config_path: str, event_id: str, plugin: str) -> None:
    """The backend holds nothing: send the delivery again (a running gateway picks it up)."""
    from gateway.settlement import release

    _settle(
        lambda: _with_plugin(
            config_path,
            plugin,
            lambda store, connector, _s: release(store, plugin, connector, event_id),
        )
    )
    click.echo(f"released: {plugin} delivery of {event_id} is due now")


@main.command("dead-letters")
@config_option
@click.option("--plugin")
@click.option("--limit", default=100, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
def dead_letters(config_path: str, plugin: str | None, limit: int, as_json: bool) -> None:
    """Deliveries that gave up, with their reasons."""
    from gateway.store import views

    items = _run(
        lambda: _with_store(
            config_path, lambda s: views.dead_letters(s, plugin=plugin, limit=limit)
        )
    )
    if as_json:
        _print_json({"items": items})
        return
    if not items:
        click.echo("no dead letters")
    for item in items:
        click.echo(
            f"{item['dead_since']}  {item['plugin']:<10} {item['event_id']}  after {item['attempts']} attempt(s)"
            + (
                " [OUTCOME UNKNOWN: confirm or release]"
                if item["error_kind"] == "outcome_unknown"
                else ""
            )
            + f": {item['reason']}"
        )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@config_option
def db_upgrade(config_path: str) -> None:
    """Apply the Alembic migrations (the gateway also does this at start-up)."""
    from gateway.store import open_store

    async def work() -> None:
        store = await open_store(_settings(config_path).gateway.database_url)
        await store.close()

    _run(work)
    click.echo("database schema is up to date")


@main.command()
@click.option("--keep", is_flag=True, help="keep the working folder (database, config) afterwards")
@click.option("--wait", is_flag=True, help="keep the gateway and mocks running until Ctrl-C")
def demo(keep: bool, wait: bool) -> None:
    """Start the mocks and the gateway on SQLite, walk one application of each kind, print its story."""
    from gateway.demo import run_demo

    sys.exit(_run(lambda: run_demo(keep=keep, wait=wait)))


if __name__ == "__main__":
    main()
