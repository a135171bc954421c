"""In-process plugins for tests: the webhook plugin under other names, and a scripted one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gateway.config import PluginSettings
from gateway.hookspecs import hookimpl
from gateway.plugin_api import (
    Connector,
    DeliveryResult,
    Event,
    Health,
    HealthCheck,
    Lookup,
    PluginContext,
)
from plugins.webhook.connector import WebhookConnector
from plugins.webhook.settings import WebhookSettings


class WebhookAlias:
    """The real webhook plugin, registrable under any name (pluggy takes each object once)."""

    @hookimpl
    def gateway_settings_model(self) -> type[PluginSettings]:
        return WebhookSettings

    @hookimpl
    def gateway_connector(self, context: PluginContext) -> Connector:
        return WebhookConnector(context.name, context.settings)  # type: ignore[arg-type]

    @hookimpl
    def gateway_health_check(self, context: PluginContext, connector: Connector) -> HealthCheck:
        return connector.health  # type: ignore[attr-defined]


Behaviour = Callable[[Event], Awaitable[DeliveryResult]]


class ScriptedConnector:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.calls: list[Event] = []
        self.closed = False

    async def deliver(self, event: Event) -> DeliveryResult:
        self.calls.append(event)
        return await self.behaviour(event)

    async def aclose(self) -> None:
        self.closed = True


class ScriptedPlugin:
    """A plugin whose delivery, look-ups and health are given by the test."""

    def __init__(
        self,
        behaviour: Behaviour | None = None,
        lookups: dict[str, Callable[..., Awaitable[Any]]] | None = None,
        health: Health | None = None,
    ) -> None:
        async def ok(_event: Event) -> DeliveryResult:
            return DeliveryResult(result={"ok": True})

        self.connector = ScriptedConnector(behaviour or ok)
        self._lookups = lookups or {}
        self._health = health

    @hookimpl
    def gateway_connector(self, context: PluginContext) -> Connector:
        return self.connector

    @hookimpl
    def gateway_lookups(self, context: PluginContext, connector: Connector) -> list[Lookup]:
        return [Lookup(name, handler) for name, handler in self._lookups.items()]

    @hookimpl
    def gateway_health_check(
        self, context: PluginContext, connector: Connector
    ) -> HealthCheck | None:
        if self._health is None:
            return None
        health = self._health

        async def check() -> Health:
            return health

        return check
