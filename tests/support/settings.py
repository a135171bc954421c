"""Building validated Settings for tests from plain dicts."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from gateway.config import Settings, parse_settings
from gateway.contracts import contracts_dir
from gateway.plugins import PluginHost
from gateway.schemas import event_types

SECRET = "whsec_" + base64.b64encode(b"test-secret-0123456789abcdef").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"old-secret-0123456789abcdef").decode()
PORTAL_TOKEN = "portal-token-0123456789"
OPERATOR_TOKEN = "operator-token-0123456789"
KNOWN_TYPES = event_types(contracts_dir() / "events")

FAST_RETRY = {
    "initial_delay": 0.05,
    "multiplier": 2.0,
    "max_delay": 0.2,
    "jitter": 0.0,
    "max_attempts": 3,
}


def build_settings(
    database_url: str,
    plugins: dict[str, dict[str, Any]] | None = None,
    routes: list[dict[str, Any]] | None = None,
    host: PluginHost | None = None,
    operators: dict[str, dict[str, Any]] | None = None,
    departments: dict[str, dict[str, Any]] | None = None,
    request_types: dict[str, dict[str, Any]] | None = None,
    config_dir: Path | None = None,
    **gateway: Any,
) -> Settings:
    raw = {
        "gateway": {
            "listen": "127.0.0.1:0",
            "database_url": database_url,
            "poll_interval": 0.2,
            **gateway,
        },
        "auth": {
            "portal_secrets": [SECRET, OLD_SECRET],
            "portal_tokens": [PORTAL_TOKEN],
            "operator_tokens": [OPERATOR_TOKEN],
        },
        "plugins": plugins or {},
        "routes": routes or [],
        "operators": operators or {},
        "departments": departments or {},
    }
    if request_types is not None:
        raw["request_types"] = request_types
    return parse_settings(
        raw,
        (host or PluginHost()).settings_model,
        KNOWN_TYPES,
        environ={},
        config_dir=config_dir,
    )
