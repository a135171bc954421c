"""Running things: the gateway, its mocks, the demo; checking the config; the schema."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import click

from gateway.cli.common import assembled, config_option, main, run
from gateway.config import config_warnings
from gateway.plugins import PluginHost, PluginLoadError


@main.command()
@config_option
def serve(config_path: str) -> None:
    """Run the gateway (HTTP API and delivery workers)."""
    from gateway import __version__
    from gateway.app import create_app
    from gateway.appkeys import LIVE
    from gateway.event_loop import EventLoopUnavailable, run, running_loop_name
    from gateway.http_server import listening, raise_fd_limit
    from gateway.logs import configure_logging, without_password
    from gateway.reload import reload_config

    parts = assembled(config_path)
    settings = parts.settings
    configure_logging(settings.gateway.log_level, settings.gateway.log_format)
    log = logging.getLogger("gateway.service")
    for warning in config_warnings(settings):
        log.warning("warning: %s", warning)

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        limits = settings.gateway.server
        app = create_app(parts)
        loop.add_signal_handler(
            signal.SIGHUP, lambda: reload_config(config_path, app[LIVE], settings)
        )
        quiet = {} if settings.gateway.access_log else {"access_log": None}
        host, port = settings.gateway.host, settings.gateway.port
        async with listening(app, host, port, limits, **quiet) as runner:
            where = ", ".join(f"{h}:{p}" for h, p, *_ in runner.addresses)
            log.info(
                "gateway %s started: listening on %s; database %s; plugins %s; at most %d "
                "connections (%d per address); event loop %s; SIGTERM stops, SIGHUP reloads "
                "[auth] and log_level",
                __version__,
                where,
                without_password(settings.gateway.database_url),
                ", ".join(settings.enabled_plugins()) or "none",
                runner.admission.max_total,
                limits.max_connections_per_client,
                running_loop_name(),
            )
            await stop.wait()
            log.info("gateway %s stopping: SIGTERM or SIGINT; in-flight work finishes", __version__)
        log.info("gateway %s stopped", __version__)

    raise_fd_limit()
    try:
        run(until_signalled, settings.gateway.event_loop)
    except (PluginLoadError, EventLoopUnavailable) as exc:
        click.echo(f"cannot start: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # the port is taken, the database is unreachable, ...
        click.echo(f"cannot start: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)


@main.command("check-config")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@config_option
@click.option(
    "--backends",
    is_flag=True,
    help="also run each enabled plugin's health check against its backend (network calls)",
)
def check_config(path: str | None, config_path: str, backends: bool) -> None:
    """Validate a config file; print every problem with its key path and line.

    Exit codes: 0 the config is valid (and, with --backends, every backend
    answered); 1 a backend did not answer; 2 the config has problems.
    """
    path = path or config_path
    parts = assembled(path)
    settings = parts.settings
    for warning in config_warnings(settings):
        click.echo(f"warning: {warning}")
    enabled = ", ".join(settings.enabled_plugins()) or "none"
    click.echo(f"{path}: OK ({len(settings.routes)} routes; enabled plugins: {enabled})")
    if backends:
        from gateway.health import check_backends

        results = run(lambda: check_backends(parts))
        for name, health in results.items():
            click.echo(f"  {name:<10} {'ok' if health.ok else 'FAILED'}: {health.detail}")
        if not all(health.ok for health in results.values()):
            sys.exit(1)


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
    enabled = set(assembled(config_path, host).settings.enabled_plugins()) if config_path else set()
    for plugin in host.installed():
        mark = "enabled" if plugin.name in enabled else ("disabled" if config_path else "")
        click.echo(
            f"{plugin.name:<12} {plugin.distribution} {plugin.version:<8} {plugin.module:<24} {mark}".rstrip()
        )


@main.command()
@config_option
def mocks(config_path: str) -> None:
    """Run the mock backend of every enabled plugin at the address its `url` names."""
    parts = assembled(config_path)

    async def serve_mocks() -> None:
        started = []
        for name, context in parts.contexts().items():
            mock = parts.host.mock(context)
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

    run(serve_mocks)


@main.command()
@click.option("--keep", is_flag=True, help="keep the working folder (database, config) afterwards")
@click.option("--wait", is_flag=True, help="keep the gateway and mocks running until Ctrl-C")
def demo(keep: bool, wait: bool) -> None:
    """Start the mocks and the gateway on SQLite, walk one application of each kind, print its story."""
    from gateway.devtools.demo import run_demo

    sys.exit(run(lambda: run_demo(keep=keep, wait=wait)))
