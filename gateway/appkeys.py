"""Typed keys of everything the app shares between views and background tasks."""

from __future__ import annotations

from aiohttp import web

from gateway.assembly import Assembly
from gateway.config import Settings
from gateway.departments import DepartmentMap
from gateway.dispatcher import Dispatcher
from gateway.health import HealthCache
from gateway.metrics import Metrics
from gateway.plugin_api import Connector, Lookup
from gateway.plugins import PluginHost
from gateway.reload import LiveSettings
from gateway.router import Router
from gateway.schemas import EventSchemas
from gateway.store import Store

ASSEMBLY = web.AppKey("assembly", Assembly)
SETTINGS = web.AppKey("settings", Settings)
HOST = web.AppKey("plugin_host", PluginHost)
SCHEMAS = web.AppKey("schemas", EventSchemas)
ROUTER = web.AppKey("router", Router)
METRICS = web.AppKey("metrics", Metrics)
STORE = web.AppKey("store", Store)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
CONNECTORS = web.AppKey("connectors", dict[str, Connector])
LOOKUPS = web.AppKey("lookups", dict[str, tuple[str, Lookup]])
HEALTH = web.AppKey("health", HealthCache)
LIVE = web.AppKey("live_settings", LiveSettings)
DEPARTMENTS = web.AppKey("departments", DepartmentMap)
