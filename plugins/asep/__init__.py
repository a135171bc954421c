"""ASEP ranking plugin `asep`: hiring applications ranked by the municipality's ranking software.

Hook implementations only; the I/O is in `connector.py`, the mapping of our
assumed contract (contracts/asep/asep.openapi.yaml) in `mapping.py`.
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
from plugins.asep.connector import AsepConnector
from plugins.asep.settings import AsepSettings


@hookimpl
def gateway_settings_model() -> type[PluginSettings]:
    return AsepSettings


@hookimpl
def gateway_connector(context: PluginContext) -> Connector:
    assert isinstance(context.settings, AsepSettings)
    return AsepConnector(context.settings)


@hookimpl
def gateway_lookups(context: PluginContext, connector: Connector) -> list[Lookup]:
    assert isinstance(connector, AsepConnector)
    return [
        Lookup(
            "ranking",
            connector.ranking,
            "an application's provisional ranking: /v1/lookups/ranking/{competition}/{application}",
            scope="competition",
        )
    ]


@hookimpl
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck:
    assert isinstance(connector, AsepConnector)
    return connector.health


@hookimpl
def gateway_mock(context: PluginContext) -> MockServer:
    from mocks.asep import FakeRankingSoftware  # only here: `gateway serve` never loads a mock

    settings = context.settings
    assert isinstance(settings, AsepSettings)
    parts = urlsplit(settings.url)
    return FakeRankingSoftware(
        parts.hostname or "127.0.0.1",
        parts.port or 80,
        base_path=parts.path,
        token=settings.token,
        competitions=settings.mock_competitions,
        weights=settings.mock_weights,
        caps=settings.mock_caps,
    )
