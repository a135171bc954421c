"""The one TOML config file: loading, `${ENV}` expansion, validation with key paths.

Core sections are pydantic models with unknown keys forbidden; each plugin
section is validated by the model its plugin registers, so a typo anywhere
is reported with the exact key path instead of being silently ignored.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.config_sections import (
    AuthSection,
    BreakerPolicy,
    GatewaySection,
    PluginSettings,
    ReconciliationSection,
    RetryPolicy,
    Route,
    ServerLimits,
    _UnknownPluginSettings,
)

__all__ = [
    "AuthSection",
    "BreakerPolicy",
    "ConfigError",
    "ConfigProblem",
    "GatewaySection",
    "PluginSettings",
    "ReconciliationSection",
    "RetryPolicy",
    "Route",
    "ServerLimits",
    "Settings",
    "parse_settings",
    "read_toml",
]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<file>'}: {self.message}"


class ConfigError(Exception):
    """Every problem found in one config file, each with its key path."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    gateway: GatewaySection = GatewaySection()
    auth: AuthSection = AuthSection()
    reconciliation: ReconciliationSection = ReconciliationSection()
    plugins: dict[str, PluginSettings] = {}
    routes: list[Route] = []

    def enabled_plugins(self) -> dict[str, PluginSettings]:
        return {name: cfg for name, cfg in self.plugins.items() if cfg.enabled}


class _CoreFile(_Strict):
    gateway: GatewaySection = GatewaySection()
    auth: AuthSection = AuthSection()
    reconciliation: ReconciliationSection = ReconciliationSection()
    plugins: dict[str, dict[str, Any]] = {}
    routes: list[Route] = []


def expand_env(
    value: Any, environ: Mapping[str, str], path: str = ""
) -> tuple[Any, list[ConfigProblem]]:
    """Replace `${NAME}` in every string; a missing variable is a problem at its key."""
    problems: list[ConfigProblem] = []
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                problems.append(ConfigProblem(path, f"environment variable {name} is not set"))
                return ""
            return environ[name]

        return _ENV_REF.sub(substitute, value), problems
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key], found = expand_env(item, environ, f"{path}.{key}" if path else key)
            problems += found
        return out, problems
    if isinstance(value, list):
        items = []
        for index, item in enumerate(value):
            expanded, found = expand_env(item, environ, f"{path}[{index}]")
            items.append(expanded)
            problems += found
        return items, problems
    return value, problems


def _problems_from(error: ValidationError, prefix: str = "") -> list[ConfigProblem]:
    problems = []
    for item in error.errors():
        path = prefix
        for part in item["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path += f".{part}" if path else str(part)
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(ConfigProblem(path, message))
    return problems


PluginModelLookup = Callable[[str], type[PluginSettings] | None]


def parse_settings(
    raw: Mapping[str, Any],
    plugin_model: PluginModelLookup,
    known_event_types: frozenset[str] | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: Path | None = None,
) -> Settings:
    """Validate a parsed TOML document; raise ConfigError listing every problem."""
    expanded, problems = expand_env(dict(raw), os.environ if environ is None else environ)
    try:
        core = _CoreFile.model_validate(expanded, context={"config_dir": config_dir})
    except ValidationError as exc:
        raise ConfigError(problems + _problems_from(exc)) from None

    plugins: dict[str, PluginSettings] = {}
    for name, section in core.plugins.items():
        try:
            model = plugin_model(name)
        except Exception as exc:  # a plugin that fails to import is named, not a traceback
            problems.append(ConfigProblem(f"plugins.{name}", str(exc)))
            continue
        if model is None:
            if section.get("enabled", True):
                problems.append(
                    ConfigProblem(f"plugins.{name}", f"no installed plugin is named {name!r}")
                )
                continue
            model = _UnknownPluginSettings
        try:
            # relative paths in a plugin's section are read from the config file's folder
            plugins[name] = model.model_validate(section, context={"config_dir": config_dir})
        except ValidationError as exc:
            problems += _problems_from(exc, f"plugins.{name}")

    for index, route in enumerate(core.routes):
        if known_event_types is not None and route.type not in known_event_types:
            problems.append(
                ConfigProblem(f"routes[{index}].type", f"unknown event type {route.type!r}")
            )
        for position, name in enumerate(route.plugins):
            if name not in core.plugins:
                problems.append(
                    ConfigProblem(
                        f"routes[{index}].plugins[{position}]", f"no [plugins.{name}] section"
                    )
                )

    if problems:
        raise ConfigError(problems)
    return Settings(
        gateway=core.gateway,
        auth=core.auth,
        reconciliation=core.reconciliation,
        plugins=plugins,
        routes=core.routes,
    )


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse the file; syntax errors become one ConfigError with tomllib's line and column."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([ConfigProblem("", f"no such file: {path}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigProblem("", f"not valid TOML: {exc}")]) from None


def config_warnings(settings: Settings) -> list[ConfigProblem]:
    """Things that are allowed but probably not meant."""
    warnings = []
    for index, route in enumerate(settings.routes):
        for position, name in enumerate(route.plugins):
            plugin = settings.plugins.get(name)
            if plugin is not None and not plugin.enabled:
                warnings.append(
                    ConfigProblem(
                        f"routes[{index}].plugins[{position}]",
                        f"plugin {name!r} is disabled: events on this route skip it",
                    )
                )
    if not settings.auth.portal_secrets:
        warnings.append(
            ConfigProblem("auth.portal_secrets", "empty: every POST /v1/events is refused")
        )
    if not settings.auth.operator_tokens:
        warnings.append(ConfigProblem("auth.operator_tokens", "empty: the operator API is closed"))
    return warnings
