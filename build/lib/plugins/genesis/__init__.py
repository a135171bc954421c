"""GENESIS plugin `genesis`: receipts for portal payments, debt look-ups, citizens' e-mails.

Hook implementations only; the I/O is in `connector.py`, the mapping of our
assumed contract in `mapping.py`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from gateway.plugin_api import (
    Connector,
    HealthCheck,
    Lookup,
    MockServer,
    PaymentLedger,
    PluginContext,
    PluginSettings,
    hookimpl,
)
from plugins.genesis.connector import GenesisConnector
from plugins.genesis.settings import GenesisSettings


@hookimpl
def gateway_settings_model() -> type[PluginSettings]:
    return GenesisSettings


@hookimpl
def gateway_connector(context: PluginContext) -> Connector:
    return GenesisConnector(context)


@hookimpl
def gateway_lookups(context: PluginContext, connector: Connector) -> list[Lookup]:
    assert isinstance(connector, GenesisConnector)
    return [
        Lookup("debts", connector.debts, "confirmed debts of an ΑΦΜ, ?category=TAP to filter"),
        Lookup("receipts", connector.receipt, "the receipt GENESIS holds for a portal payment id"),
    ]


@hookimpl
def gateway_payment_ledger(context: PluginContext, connector: Connector) -> PaymentLedger:
    assert isinstance(connector, GenesisConnector)
    return connector


@hookimpl
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck:
    assert isinstance(connector, GenesisConnector)
    return connector.health


@hookimpl
def gateway_mock(context: PluginContext) -> MockServer:
    from mocks.genesis import FakeGenesis  # only here: `gateway serve` never loads a mock

    parts = urlsplit(context.settings.url or "http://127.0.0.1:9003/services/Genesis")
    return FakeGenesis(
        parts.hostname or "127.0.0.1", parts.port or 80, path=parts.path or "/services/Genesis"
    )
