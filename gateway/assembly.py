"""The one place a gateway is put together: settings, plugins, event schemas and router.

The app, every CLI command and the demo assemble through here, so they
validate the same config against the same plugins and route the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.config import ConfigError, Settings, located, parse_settings, read_toml
from gateway.contracts import contracts_dir
from gateway.plugin_api import PluginContext
from gateway.plugins import PluginHost
from gateway.router import Router
from gateway.schemas import EventSchemas, event_types
from gateway.store import Store
from gateway.store.cache import Cache
from gateway.store.send_records import SendRecordTable


@dataclass(frozen=True)
class Assembly:
    settings: Settings
    host: PluginHost
    schemas: EventSchemas
    router: Router

    def contexts(self, store: Store | None = None) -> dict[str, PluginContext]:
        return plugin_contexts(self.settings, store)


def assemble(
    config: Mapping[str, Any] | Settings,
    *,
    host: PluginHost | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: Path | None = None,
) -> Assembly:
    """Validate a parsed config (or take validated settings) and build what routes and checks it.

    Raises `ConfigError` listing every problem; `environ` defaults to the process's.
    """
    host = host or PluginHost()
    if isinstance(config, Settings):
        settings = config
    else:
        settings = parse_settings(
            config,
            host.settings_model,
            event_types(contracts_dir() / "events"),
            environ,
            config_dir=config_dir,
            installed=[plugin.name for plugin in host.installed()],
        )
    # compiled once, with the configured catalogue and its fragments in place of the contract's list
    schemas = EventSchemas(
        contracts_dir() / "events",
        {name: entry.fragment() for name, entry in settings.request_types.items()},
    )
    return Assembly(settings, host, schemas, Router(settings.routes, settings.enabled_plugins()))


def assemble_file(
    path: str | Path, *, host: PluginHost | None = None, environ: Mapping[str, str] | None = None
) -> Assembly:
    """`assemble` on a TOML file; relative paths in it are taken from the file's folder.

    A ConfigError's problems carry their line in the file.
    """
    raw = read_toml(path)
    try:
        return assemble(raw, host=host, environ=environ, config_dir=Path(path).resolve().parent)
    except ConfigError as exc:
        raise located(exc, Path(path).read_text(encoding="utf-8")) from None


def load_settings(
    path: str | Path, host: PluginHost | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Only the validated settings of a config file."""
    return assemble_file(path, host=host, environ=environ).settings


def plugin_contexts(settings: Settings, store: Store | None = None) -> dict[str, PluginContext]:
    """What each enabled plugin is built with; the cache and send log only where there is a store."""
    return {
        name: PluginContext(
            name,
            cfg,
            contracts_dir(),
            logging.getLogger(f"gateway.plugins.{name}"),
            cache=Cache(store, name) if store is not None else None,
            send_records=SendRecordTable(store, name) if store is not None else None,
            request_types=settings.request_types,
        )
        for name, cfg in settings.enabled_plugins().items()
    }
