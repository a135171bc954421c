"""Typed keys of everything the app shares between views and background tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    pass

SETTINGS = web.AppKey("settings", "Settings")
HOST = web.AppKey("plugin_host", "PluginHost")
SCHEMAS = web.AppKey("schemas", "EventSchemas")
ROUTER = web.AppKey("router", "Router")
METRICS = web.AppKey("metrics", "Metrics")
STORE = web.AppKey("store", "Store")
DISPATCHER = web.AppKey("dispatcher", "Dispatcher")
CONNECTORS = web.AppKey("connectors", "dict[str, Connector]")
LOOKUPS = web.AppKey("lookups", "dict[str, tuple[str, Lookup]]")
HEALTH_CHECKS = web.AppKey("health_checks", "dict[str, HealthCheck | None]")
