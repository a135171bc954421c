"""Protocol-registry plugin `protocol`: every application gets its protocol number, exactly once.

Hook implementations only: the registry interface is in `connector.py`, the
drivers in `rest.py` (our generic contract) and `irida.py` (ΙΡΙΔΑ), the
payloads in `mapping.py`.
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
from plugins.protocol.connector import ProtocolConnector
from plugins.protocol.settings import ProtocolSettings


@hookimpl
def gateway_settings_model() -> type[PluginSettings]:
    return ProtocolSettings


@hookimpl
def gateway_connector(context: PluginContext) -> Connector:
    return ProtocolConnector(context)


@hookimpl
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck:
    assert isinstance(connector, ProtocolConnector)
    return connector.health


@hookimpl
def gateway_mock(context: PluginContext) -> MockServer:
    # only here: `gateway serve` never loads a mock
    from mocks.irida import FakeIrida
    from mocks.protocol import FakeProtocolRegistry

    settings = context.settings
    assert isinstance(settings, ProtocolSettings)
    parts = urlsplit(settings.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if settings.driver == "irida":
        return FakeIrida(host, port, settings.username or "", settings.password or "")
    return FakeProtocolRegistry(host, port, token=settings.token or "")
