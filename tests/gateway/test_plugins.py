"""The plugin host and every hook, through the built-in webhook plugin and test plugins."""

from __future__ import annotations

import httpx
import pytest

from gateway.assembly import plugin_contexts
from gateway.config import PluginSettings
from gateway.devtools.runner import running_gateway
from gateway.hookspecs import hookimpl
from gateway.plugin_api import Health, Lookup
from gateway.plugins import PluginHost, PluginLoadError
from plugins.webhook.connector import WebhookConnector
from plugins.webhook.settings import WebhookSettings
from tests.support.plugins import ScriptedPlugin
from tests.support.settings import build_settings


def _context(sqlite_url: str, name: str, section: dict, host: PluginHost | None = None):  # type: ignore[no-untyped-def]
    return plugin_contexts(build_settings(sqlite_url, {name: section}, host=host))[name]


def test_installed_plugins_come_from_entry_points() -> None:
    (webhook,) = [p for p in PluginHost().installed() if p.name == "webhook"]
    assert webhook.distribution == "municipal-gateway" and webhook.module == "plugins.webhook"


def test_hook_gateway_settings_model() -> None:
    host = PluginHost(extra={"bare": ScriptedPlugin()})
    assert host.settings_model("webhook") is WebhookSettings
    assert host.settings_model("bare") is PluginSettings  # no hook: the base keys
    assert host.settings_model("absent") is None


async def test_hook_gateway_connector(sqlite_url: str) -> None:
    host = PluginHost()
    connector = host.connector(_context(sqlite_url, "webhook", {"url": "http://127.0.0.1:9/x"}))
    assert isinstance(connector, WebhookConnector)
    await connector.aclose()


def test_connector_hook_returning_nothing_names_the_plugin(sqlite_url: str) -> None:
    class Empty:
        @hookimpl
        def gateway_connector(self, context):  # type: ignore[no-untyped-def]
            return None

    host = PluginHost(extra={"empty": Empty()})
    with pytest.raises(PluginLoadError, match="plugin 'empty': gateway_connector returned nothing"):
        host.connector(_context(sqlite_url, "empty", {}, host))


def test_hook_that_raises_names_the_plugin(sqlite_url: str) -> None:
    class Crashing:
        @hookimpl
        def gateway_connector(self, context):  # type: ignore[no-untyped-def]
            raise RuntimeError("WSDL missing")

    host = PluginHost(extra={"crashing": Crashing()})
    with pytest.raises(
        PluginLoadError,
        match="plugin 'crashing': gateway_connector failed: RuntimeError: WSDL missing",
    ):
        host.connector(_context(sqlite_url, "crashing", {}, host))


def test_misspelled_hook_fails_fast() -> None:
    class Typo:
        @hookimpl
        def gateway_conector(self, context):  # type: ignore[no-untyped-def]
            return None

    host = PluginHost(extra={"typo": Typo()})
    with pytest.raises(PluginLoadError, match=r"plugin 'typo'.*gateway_conector"):
        host.load("typo")


async def test_hook_gateway_lookups(sqlite_url: str) -> None:
    async def answer(key, query):  # type: ignore[no-untyped-def]
        return {"key": key}

    host = PluginHost(extra={"one": ScriptedPlugin(lookups={"debts": answer})})
    context = _context(sqlite_url, "one", {}, host)
    (lookup,) = host.lookups(context, host.connector(context))
    assert isinstance(lookup, Lookup) and lookup.name == "debts"
    assert await lookup.handler("094259216", {}) == {"key": "094259216"}


async def test_two_plugins_with_one_lookup_name_stop_startup(sqlite_url: str) -> None:
    async def answer(key, query):  # type: ignore[no-untyped-def]
        return {}

    host = PluginHost(
        extra={
            "a": ScriptedPlugin(lookups={"debts": answer}),
            "b": ScriptedPlugin(lookups={"debts": answer}),
        }
    )
    settings = build_settings(sqlite_url, {"a": {}, "b": {}}, host=host)
    with pytest.raises(
        PluginLoadError, match="plugin 'b': look-up 'debts' is already offered by 'a'"
    ):
        async with running_gateway(settings, host):
            pass


async def test_hook_gateway_health_check(sqlite_url: str, receiver) -> None:  # type: ignore[no-untyped-def]
    host = PluginHost()
    context = _context(
        sqlite_url,
        "webhook",
        {"url": receiver.url + "/events", "health_url": receiver.url + "/health"},
    )
    connector = host.connector(context)
    check = host.health_check(context, connector)
    assert check is not None
    assert (await check()).ok
    await receiver.stop()
    health = await check()
    assert not health.ok and "cannot reach" in health.detail
    await connector.aclose()
    bare = PluginHost(extra={"bare": ScriptedPlugin(health=Health(True, "fine"))})
    bare_context = _context(sqlite_url, "bare", {}, bare)
    bare_check = bare.health_check(bare_context, bare.connector(bare_context))
    assert bare_check is not None and (await bare_check()).detail == "fine"


async def test_hook_gateway_mock(sqlite_url: str) -> None:
    from gateway.devtools.ports import free_port

    port = free_port()
    host = PluginHost()
    mock = host.mock(_context(sqlite_url, "webhook", {"url": f"http://127.0.0.1:{port}/in"}))
    assert mock is not None and mock.port == port
    await mock.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"http://127.0.0.1:{port}/in", json={"id": "e1"}, headers={"Idempotency-Key": "k"}
            )
            assert answer.status_code == 201
            assert (await client.get(f"http://127.0.0.1:{port}/_mock/state")).json()[
                "times_seen"
            ] == {"k": 1}
    finally:
        await mock.stop()


async def test_startup_error_closes_what_was_opened(sqlite_url: str) -> None:
    class Broken:
        @hookimpl
        def gateway_connector(self, context):  # type: ignore[no-untyped-def]
            raise ValueError("bad WSDL")

    good = ScriptedPlugin()
    host = PluginHost(extra={"good": good, "broken": Broken()})
    settings = build_settings(sqlite_url, {"good": {}, "broken": {}}, host=host)
    with pytest.raises(PluginLoadError, match="broken"):
        async with running_gateway(settings, host):
            pass
    assert good.connector.closed
