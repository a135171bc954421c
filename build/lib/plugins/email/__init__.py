"""E-mail plugin `email`: citizens and staff told what happened, in Greek or English.

Hook implementations only: which messages an event makes is in
`messages.py`, the templates in `templates/` rendered by `render.py`, the
SMTP conversation and the once-per-recipient records in `connector.py`.
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
from plugins.email.connector import EmailConnector
from plugins.email.settings import EmailSettings


@hookimpl
def gateway_settings_model() -> type[PluginSettings]:
    return EmailSettings


@hookimpl
def gateway_connector(context: PluginContext) -> Connector:
    return EmailConnector(context)


@hookimpl
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck:
    assert isinstance(connector, EmailConnector)
    return connector.health


@hookimpl
def gateway_mock(context: PluginContext) -> MockServer:
    from mocks.smtp import FakeSmtp  # only here: `gateway serve` never loads a mock

    settings = context.settings
    assert isinstance(settings, EmailSettings)
    admin = urlsplit(settings.mock_admin_url)
    return FakeSmtp(
        settings.host,
        settings.port,
        admin.hostname or "127.0.0.1",
        admin.port or 8025,
        settings.username,
        settings.password,
    )
