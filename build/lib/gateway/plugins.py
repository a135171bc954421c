"""Finding, loading and calling plugins: one fresh plugin manager per host, no globals.

Plugins come from the ``gateway.plugins`` entry-point group, registered under
the entry point's name. Hooks are called on one plugin at a time through the
typed methods below, so call sites stay typed and a broken plugin is named.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

from gateway import hookspecs
from gateway.config import PluginSettings
from gateway.plugin_api import (
    Connector,
    HealthCheck,
    Lookup,
    MockServer,
    PaymentLedger,
    PluginContext,
)

ENTRY_POINT_GROUP = "gateway.plugins"


class PluginLoadError(Exception):
    """One plugin could not be imported, registered or built; names it."""

    def __init__(self, name: str, message: str) -> None:
        self.plugin = name
        super().__init__(f"plugin {name!r}: {message}")


@dataclass(frozen=True)
class InstalledPlugin:
    name: str
    module: str
    distribution: str
    version: str


class PluginHost:
    """The plugin manager of one app or one CLI call."""

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._entry_points = {
            ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        }
        self._extra = dict(extra or {})

    def installed(self) -> list[InstalledPlugin]:
        found = [
            InstalledPlugin(
                name,
                ep.value,
                ep.dist.name if ep.dist else "?",
                ep.dist.version if ep.dist else "?",
            )
            for name, ep in self._entry_points.items()
        ]
        found += [
            InstalledPlugin(name, getattr(obj, "__name__", repr(obj)), "(in process)", "-")
            for name, obj in self._extra.items()
        ]
        return sorted(found, key=lambda plugin: plugin.name)

    def knows(self, name: str) -> bool:
        return name in self._extra or name in self._entry_points

    def load(self, name: str) -> Any:
        """Import and register one plugin (once); PluginLoadError names what went wrong."""
        plugin = self._pm.get_plugin(name)
        if plugin is not None:
            return plugin
        if name in self._extra:
            plugin = self._extra[name]
        elif name in self._entry_points:
            try:
                plugin = self._entry_points[name].load()
            except Exception as exc:
                raise PluginLoadError(name, f"import failed: {type(exc).__name__}: {exc}") from exc
        else:
            raise PluginLoadError(name, "not installed (no entry point in group gateway.plugins)")
        try:
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self._pm.unregister(name=name)
            raise PluginLoadError(name, str(exc)) from exc
        return plugin

    def _call(self, name: str, hook: str, **kwargs: Any) -> Any:
        plugin = self.load(name)
        others = [p for p in self._pm.get_plugins() if p is not plugin]
        caller = self._pm.subset_hook_caller(hook, remove_plugins=others)
        try:
            return caller(**kwargs)
        except Exception as exc:
            raise PluginLoadError(name, f"{hook} failed: {type(exc).__name__}: {exc}") from exc

    def settings_model(self, name: str) -> type[PluginSettings] | None:
        """The plugin's settings class; None when no such plugin is installed."""
        if not self.knows(name):
            return None
        return self._call(name, "gateway_settings_model") or PluginSettings

    def connector(self, context: PluginContext) -> Connector:
        connector = self._call(context.name, "gateway_connector", context=context)
        if connector is None:
            raise PluginLoadError(context.name, "gateway_connector returned nothing")
        return connector

    def lookups(self, context: PluginContext, connector: Connector) -> list[Lookup]:
        return list(
            self._call(context.name, "gateway_lookups", context=context, connector=connector) or []
        )

    def health_check(self, context: PluginContext, connector: Connector) -> HealthCheck | None:
        return self._call(
            context.name, "gateway_health_check", context=context, connector=connector
        )

    def payment_ledger(self, context: PluginContext, connector: Connector) -> PaymentLedger | None:
        return self._call(
            context.name, "gateway_payment_ledger", context=context, connector=connector
        )

    def mock(self, context: PluginContext) -> MockServer | None:
        return self._call(context.name, "gateway_mock", context=context)
