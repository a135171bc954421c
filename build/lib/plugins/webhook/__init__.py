"""Built-in `webhook` plugin: forwards events to an HTTP endpoint.

It is the core's own proof that the hooks suffice, the plugin the test suite
and the demo run against, and a plain way to feed a system that only takes
webhooks. Hook implementations only; the I/O is in `connector.py`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway.plugin_api import (
    Connector,
    HealthCheck,
    MockServer,
    PluginContext,
    PluginSettings,
    hookimpl,
)
from plugins.webhook.connector import WebhookConnector
from plugins.webhook.settings import WebhookSettings


@hookimpl
def gateway_settings_model() -> type[PluginSettings]:
    return WebhookSettings


@hookimpl
def gateway_connector(context: PluginContext) -> Connector:
    assert isinstance(context.settings, WebhookSettings)
    return WebhookConnector(context.name, context.settings)


@hookimpl
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck | None:
    assert isinstance(connector, WebhookConnector)
    return connector.health


@hookimpl
def gateway_mock(context: PluginContext) -> MockServer:
    from mocks.webhook import WebhookReceiver  # only here: `gateway serve` never loads a mock

    parts = urlsplit(context.settings.url or "http://127.0.0.1:9001/events")
    return WebhookReceiver(
        parts.hostname or "127.0.0.1", parts.port or 80, path=parts.path or "/events"
    )
