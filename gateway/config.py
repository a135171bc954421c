"""The one TOML config file: loading, `${ENV}` expansion, validation with key paths.

Core sections are pydantic models with unknown keys forbidden; each plugin
section is validated by the model its plugin registers, so a typo anywhere
is reported with the exact key path instead of being silently ignored.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.config_lines import key_lines, line_of
from gateway.config_problems import ConfigError, ConfigProblem, problems_from
from gateway.config_sections import (
    AuthSection,
    BreakerPolicy,
    DepartmentSection,
    GatewaySection,
    OperatorSection,
    PluginSettings,
    ReconciliationSection,
    RetryPolicy,
    Route,
    ServerLimits,
    _UnknownPluginSettings,
)
from gateway.config_services import (
    ConsoleSection,
    DigestSection,
    TelemetrySection,
    service_warnings,
)
from gateway.config_staff import staff_sections
from gateway.config_words import did_you_mean
from gateway.request_types import BUILT_IN, RequestType, parse_request_types, unknown_types

__all__ = [
    "AuthSection",
    "BreakerPolicy",
    "ConfigError",
    "ConfigProblem",
    "ConsoleSection",
    "DigestSection",
    "GatewaySection",
    "PluginSettings",
    "ReconciliationSection",
    "RetryPolicy",
    "Route",
    "ServerLimits",
    "Settings",
    "TelemetrySection",
    "parse_settings",
    "read_toml",
]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    gateway: GatewaySection = GatewaySection()
    auth: AuthSection = AuthSection()
    reconciliation: ReconciliationSection = ReconciliationSection()
    console: ConsoleSection = ConsoleSection()
    telemetry: TelemetrySection = TelemetrySection()
    digest: DigestSection = DigestSection()
    plugins: dict[str, PluginSettings] = {}
    routes: list[Route] = []
    departments: dict[str, DepartmentSection] = {}
    operators: dict[str, OperatorSection] = {}
    request_types: dict[str, RequestType] = dict(BUILT_IN)

    def enabled_plugins(self) -> dict[str, PluginSettings]:
        return {name: cfg for name, cfg in self.plugins.items() if cfg.enabled}


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


PluginModelLookup = Callable[[str], type[PluginSettings] | None]
CORE_SECTIONS: dict[str, type[BaseModel]] = {
    "gateway": GatewaySection,
    "auth": AuthSection,
    "reconciliation": ReconciliationSection,
    "console": ConsoleSection,
    "telemetry": TelemetrySection,
    "digest": DigestSection,
}
TOP_LEVEL = (*CORE_SECTIONS, "plugins", "routes", "departments", "operators", "request_types")


def _section(
    expanded: Mapping[str, Any], key: str, problems: list[ConfigProblem], context: dict[str, Any]
) -> Any:
    """One core section validated on its own, so its problems never hide another section's."""
    model = CORE_SECTIONS[key]
    try:
        return model.model_validate(expanded.get(key, {}), context=context)
    except ValidationError as exc:
        problems += problems_from(exc, key, model)
        return None


def _plugins(
    raw: Any,
    plugin_model: PluginModelLookup,
    installed: Iterable[str],
    problems: list[ConfigProblem],
    context: dict[str, Any],
) -> dict[str, PluginSettings]:
    plugins: dict[str, PluginSettings] = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("plugins", "must be a table of [plugins.NAME] sections"))
        return plugins
    for name, section in raw.items():
        if not isinstance(section, dict):
            problems.append(ConfigProblem(f"plugins.{name}", "must be a [plugins.NAME] table"))
            continue
        try:
            model = plugin_model(name)
        except Exception as exc:  # a plugin that fails to import is named, not a traceback
            problems.append(ConfigProblem(f"plugins.{name}", str(exc)))
            continue
        if model is None:
            if section.get("enabled", True):
                problems.append(
                    ConfigProblem(
                        f"plugins.{name}",
                        f"no installed plugin is named {name!r}{did_you_mean(name, installed)}",
                    )
                )
                continue
            model = _UnknownPluginSettings
        try:
            # relative paths in a plugin's section are read from the config file's folder
            plugins[name] = model.model_validate(section, context=context)
        except ValidationError as exc:
            problems += problems_from(exc, f"plugins.{name}", model)
    return plugins


def _routes(
    raw: Any,
    sections: Mapping[str, Any],
    known_event_types: frozenset[str] | None,
    problems: list[ConfigProblem],
) -> list[Route]:
    routes: list[Route] = []
    if not isinstance(raw, list):
        problems.append(ConfigProblem("routes", "must be [[routes]] tables"))
        return routes
    for index, item in enumerate(raw):
        try:
            route = Route.model_validate(item)
        except ValidationError as exc:
            problems += problems_from(exc, f"routes[{index}]", Route)
            continue
        routes.append(route)
        if known_event_types is not None and route.type not in known_event_types:
            problems.append(
                ConfigProblem(
                    f"routes[{index}].type",
                    f"unknown event type {route.type!r}{did_you_mean(route.type, known_event_types)}",
                )
            )
        for position, name in enumerate(route.plugins):
            if name not in sections:
                problems.append(
                    ConfigProblem(
                        f"routes[{index}].plugins[{position}]",
                        f"no [plugins.{name}] section{did_you_mean(name, sections)}",
                    )
                )
    return routes


def parse_settings(
    raw: Mapping[str, Any],
    plugin_model: PluginModelLookup,
    known_event_types: frozenset[str] | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: Path | None = None,
    installed: Iterable[str] = (),
) -> Settings:
    """Validate a parsed TOML document; raise ConfigError listing every problem of every section."""
    expanded, problems = expand_env(dict(raw), os.environ if environ is None else environ)
    context = {"config_dir": config_dir}
    for key in expanded:
        if key not in TOP_LEVEL:
            problems.append(ConfigProblem(key, "unknown section" + did_you_mean(key, TOP_LEVEL)))
    gateway, auth, reconciliation, console, telemetry, digest = (
        _section(expanded, key, problems, context) for key in CORE_SECTIONS
    )
    departments, operators = staff_sections(expanded, problems)
    catalogue = parse_request_types(expanded.get("request_types"), departments, context, problems)
    # a plugin keyed by request type (the protocol's departments) checks against the catalogue
    raw_plugins = expanded.get("plugins", {})
    plugins = _plugins(
        raw_plugins, plugin_model, installed, problems, {**context, "request_types": catalogue}
    )
    sections = raw_plugins if isinstance(raw_plugins, dict) else {}
    routes = _routes(expanded.get("routes", []), sections, known_event_types, problems)
    # an entry with a problem of its own is still a type: it is not "unknown" elsewhere too
    declared = expanded.get("request_types")
    known = list(declared) if isinstance(declared, dict) and declared else list(catalogue)
    problems += unknown_types(_types_named(departments, routes), known)
    if problems:
        raise ConfigError(problems)
    return Settings(
        gateway=gateway,
        auth=auth,
        reconciliation=reconciliation,
        console=console,
        telemetry=telemetry,
        digest=digest,
        plugins=plugins,
        routes=routes,
        departments=departments,
        operators=operators,
        request_types=catalogue,
    )


def _types_named(
    departments: Mapping[str, DepartmentSection], routes: list[Route]
) -> list[tuple[str, str]]:
    """Where the config names request types outside the catalogue: departments and route matches."""
    named = [
        (f"departments.{name}.request_types[{position}]", request_type)
        for name, department in departments.items()
        for position, request_type in enumerate(department.request_types)
    ]
    for index, route in enumerate(routes):
        value = route.match.get("request_type")
        if isinstance(value, str):
            named.append((f"routes[{index}].match.request_type", value))
    return named


def located(error: ConfigError, text: str) -> ConfigError:
    """The same problems, each with its line in the file's text, in the order of the file."""
    lines = key_lines(text)
    placed = [
        ConfigProblem(p.path, p.message, p.line or line_of(p.path, lines)) for p in error.problems
    ]
    placed.sort(key=lambda p: (p.line is None, p.line or 0))
    return ConfigError(placed)


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
    if settings.auth.operator_tokens:
        warnings.append(
            ConfigProblem(
                "auth.operator_tokens",
                "anonymous admins: every action is audited as 'operator-token'; "
                "name your staff in [operators.LOGIN] (gateway operators hash)",
            )
        )
    elif not settings.operators:
        warnings.append(
            ConfigProblem(
                "auth.operator_tokens", "empty, and no [operators]: the operator API is closed"
            )
        )
    warnings += [ConfigProblem(path, words) for path, words in service_warnings(settings)]
    return warnings
