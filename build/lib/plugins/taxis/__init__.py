"""Tax-registry plugin `taxis`: ΚΑΔ look-up over AADE's RgWsPublic2 and the fee-exemption verdict.

Hook implementations only: the I/O is in `connector.py`, the answers'
mapping in `mapping.py`, the rule in `rule.py`, the error codes in `codes.py`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway.plugin_api import (
    Connector,
    HealthCheck,
    Lookup,
    MockServer,
    PluginContext,
    PluginSettings,
    hookimpl,
)
from plugins.taxis.connector import TaxisConnector
from plugins.taxis.settings import TaxisSettings


@hookimpl
def gateway_settings_model() -> type[PluginSettings]:
    return TaxisSettings


@hookimpl
def gateway_connector(context: PluginContext) -> Connector:
    return TaxisConnector(context)


@hookimpl
def gateway_lookups(context: PluginContext, connector: Connector) -> list[Lookup]:
    assert isinstance(connector, TaxisConnector)
    return [
        Lookup(
            "business", connector.lookup, "registry data, ΚΑΔ and fee-exemption verdict of an ΑΦΜ"
        )
    ]


@hookimpl
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck:
    assert isinstance(connector, TaxisConnector)
    return connector.health


@hookimpl
def gateway_mock(context: PluginContext) -> MockServer:
    from mocks.taxis import FakeRgWsPublic2  # only here: `gateway serve` never loads a mock

    assert isinstance(context.settings, TaxisSettings)
    parts = urlsplit(context.settings.url)
    mock = FakeRgWsPublic2(
        parts.hostname or "127.0.0.1",
        parts.port or 80,
        context.settings.username,
        context.settings.password,
    )
    mock.path = parts.path or mock.path
    return mock
