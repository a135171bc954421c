"""The hooks a gateway plugin implements (pluggy project name ``gateway``).

Hooks are about registration: a plugin declares its settings, builds its
connector, and offers look-ups, a health check and a mock backend. Runtime
I/O goes through the objects returned here, never through ``pm.hook``, so the
core can run each plugin isolated with its own timeout, retries and breaker.
Each hook is called for one plugin at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from gateway.plugin_api import (
        Connector,
        HealthCheck,
        Lookup,
        MockServer,
        PaymentLedger,
        PluginContext,
        PluginSettings,
    )

PROJECT = "gateway"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- configuration ---------------------------------------------------------


@hookspec(firstresult=True)
def gateway_settings_model() -> type[PluginSettings] | None:
    """Return the pydantic model of the plugin's ``[plugins.NAME]`` section.

    The model subclasses :class:`gateway.config.PluginSettings` and adds the
    plugin's own keys. Unknown keys are reported by ``gateway check-config``.

    :returns: the settings class, or ``None`` to use the base keys only.
    """


# -- start-up --------------------------------------------------------------


@hookspec(firstresult=True)
def gateway_connector(context: PluginContext) -> Connector | None:
    """Build the object that delivers one event to the backend.

    Called once at start-up. Load WSDLs and other contracts here, from
    ``context.contracts_dir``, never from the network.

    :param context: the plugin's name, validated settings, contracts folder and logger.
    :returns: a :class:`gateway.plugin_api.Connector`.
    """


@hookspec(firstresult=True)
def gateway_lookups(context: PluginContext, connector: Connector) -> list[Lookup] | None:
    """Offer synchronous look-ups to the portal at ``GET /v1/lookups/{name}/{key}``.

    A look-up with a ``scope`` is served at ``/v1/lookups/{name}/{scope}/{key}``.

    :param context: as for :func:`gateway_connector`.
    :param connector: the object :func:`gateway_connector` returned.
    :returns: the look-ups, or ``None`` for none.
    """


@hookspec(firstresult=True)
def gateway_health_check(context: PluginContext, connector: Connector) -> HealthCheck | None:
    """Return an async callable that tells whether the backend is usable.

    ``/readyz`` calls it with a short timeout. It must not count against a
    backend's call limits (use a version or ping operation).

    :returns: the check, or ``None`` when the plugin has nothing to check.
    """


@hookspec(firstresult=True)
def gateway_payment_ledger(context: PluginContext, connector: Connector) -> PaymentLedger | None:
    """Offer the payments the back office holds for a day, for the daily reconciliation.

    ``gateway reconcile payments`` and the ``[reconciliation]`` run compare
    them with the ``payment.completed`` events the portal sent. One enabled
    plugin at most may offer it.

    :param context: as for :func:`gateway_connector`.
    :param connector: the object :func:`gateway_connector` returned.
    :returns: a :class:`gateway.plugin_api.PaymentLedger`, or ``None``.
    """


# -- tooling ---------------------------------------------------------------


@hookspec(firstresult=True)
def gateway_mock(context: PluginContext) -> MockServer | None:
    """Return the mock backend that ``gateway mocks`` starts for this plugin.

    The mock listens at the host and port of the plugin's ``url``.

    :returns: an unstarted :class:`gateway.plugin_api.MockServer`, or ``None``.
    """
