"""The alert rules and the Grafana dashboard: valid, unit-tested, and naming only metrics that exist."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.plugin_api import DeliveryResult, Event
from gateway.plugins import PluginHost
from tests.support.plugins import ScriptedPlugin
from tests.support.settings import build_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"  # links to gateway/starter/
RULES = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "municipal-gateway.json"
PROMTOOL = shutil.which("promtool")
#: series that come from Prometheus itself or the blackbox exporter, not from the gateway
NOT_OURS = {"up", "probe_success"}
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def _promtool(*args: str) -> str:
    done = subprocess.run(
        [PROMTOOL or "promtool", *args],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.skipif(
    PROMTOOL is None, reason="no promtool here: `apt-get install prometheus` (Debian)"
)
def test_the_alert_rules_are_valid_and_fire_when_they_should() -> None:
    assert "SUCCESS: 6 rules found" in _promtool("check", "rules", RULES.name)
    assert "SUCCESS" in _promtool("test", "rules", "alerts.test.yml")


def _named(text: str) -> set[str]:
    names = set(re.findall(r"\b(gateway_[a-z0-9_]+|up|probe_success)\b", text))
    return {re.sub("(" + "|".join(SUFFIXES) + ")$", "", name) for name in names}


async def _exposed(start_gateway, sqlite_url) -> set[str]:  # type: ignore[no-untyped-def]
    async def fine(_event: Event) -> DeliveryResult:
        return DeliveryResult()

    plugins = {"fine": ScriptedPlugin(fine)}
    settings = build_settings(sqlite_url, {"fine": {}}, [], host=PluginHost(extra=plugins))
    portal, _app = await start_gateway(settings, PluginHost(extra=plugins))
    text = (await portal.client.get(f"{portal.base_url}/metrics")).text
    return {family.name for family in text_string_to_metric_families(text)}


async def test_rules_and_dashboard_name_only_metrics_the_gateway_exposes(
    start_gateway, sqlite_url
) -> None:  # type: ignore[no-untyped-def]
    exposed = await _exposed(start_gateway, sqlite_url)
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(expressions) >= 10 and all(expressions)
    for where, text in (("alerts.yml", RULES.read_text()), ("dashboard", " ".join(expressions))):
        unknown = _named(text) - exposed - NOT_OURS
        assert not unknown, f"{where} names metrics the gateway does not expose: {unknown}"
    # every per-plugin health figure has a panel
    for name in (
        "gateway_pending_deliveries",
        "gateway_oldest_pending_age_seconds",
        "gateway_dead_letters",
        "gateway_in_doubt_deliveries",
        "gateway_breaker_state",
        "gateway_plugin_paused",
        "gateway_delivery_attempts",
        "gateway_attempt_duration_seconds",
        "gateway_intake_request_duration_seconds",
    ):
        assert name in _named(" ".join(expressions)), f"no panel shows {name}"
