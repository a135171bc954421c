"""The one TOML config file: loading, `${ENV}` expansion, validation with key paths.

Core sections are pydantic models with unknown keys forbidden; each plugin
section is validated by the model its plugin registers, so a typo anywhere
is reported with the exact key path instead of being silently ignored.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

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


class RetryPolicy(_Strict):
    """Exponential backoff with jitter between attempts; defaults span about a day."""

    max_attempts: int = Field(10, ge=1, le=1000)
    initial_delay: float = Field(30.0, gt=0, description="seconds before the 2nd attempt")
    multiplier: float = Field(3.0, ge=1.0)
    max_delay: float = Field(6 * 3600.0, gt=0)
    jitter: float = Field(0.2, ge=0.0, le=1.0, description="fraction of a delay drawn at random")
    max_age: float | None = Field(None, gt=0, description="seconds after which a delivery is dead")


class BreakerPolicy(_Strict):
    """Consecutive transient failures that open a plugin's circuit, and the pause."""

    failure_threshold: int = Field(5, ge=1)
    cooldown: float = Field(30.0, gt=0)


class PluginSettings(_Strict):
    """Keys every plugin section has; a plugin subclasses this for its own keys."""

    enabled: bool = True
    url: str | None = None
    timeout: float = Field(30.0, gt=0, description="seconds one attempt may take")
    concurrency: int = Field(4, ge=1, le=256, description="deliveries in flight at once")
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerPolicy = BreakerPolicy()


class _UnknownPluginSettings(PluginSettings):
    """A disabled section whose plugin is not installed: keep it, do not judge its keys."""

    model_config = ConfigDict(extra="allow", frozen=True)


class GatewaySection(_Strict):
    listen: str = "127.0.0.1:8080"
    database_url: str = "sqlite+aiosqlite:///gateway.db"
    max_body_bytes: int = Field(262_144, ge=1024, le=64 * 1024 * 1024)
    poll_interval: float = Field(1.0, gt=0, description="seconds between queue scans when idle")
    retention_days: float = Field(90.0, gt=0, description="days an event's payload is kept")
    dispatch: bool = Field(
        True,
        description="run delivery lanes here; false makes an intake-only process (others deliver)",
    )
    log_level: str = "INFO"

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8080")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class AuthSection(_Strict):
    portal_secrets: list[str] = []
    portal_tokens: list[str] = []
    operator_tokens: list[str] = []

    @field_validator("portal_secrets")
    @classmethod
    def _whsec(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith("whsec_"):
                raise ValueError("a portal secret starts with 'whsec_'")
            try:
                raw = base64.b64decode(value.removeprefix("whsec_"), validate=True)
            except ValueError:
                raise ValueError("the part after 'whsec_' must be base64") from None
            if len(raw) < 16:
                raise ValueError("a portal secret needs at least 16 random bytes")
        return values

    @field_validator("portal_tokens", "operator_tokens")
    @classmethod
    def _long_enough(cls, values: list[str]) -> list[str]:
        if any(len(v) < 16 for v in values):
            raise ValueError("a token needs at least 16 characters")
        return values


class ReconciliationSection(_Strict):
    """The daily payment reconciliation (gateway/reconciliation.py)."""

    enabled: bool = Field(False, description="reconcile yesterday's payments every day at `at`")
    at: str = Field("06:30", description="HH:MM, Athens time")
    report_dir: str = Field(
        "reports", description="where the CSV reports go; relative to the config file's folder"
    )

    @field_validator("at")
    @classmethod
    def _clock(cls, value: str) -> str:
        hour, sep, minute = value.partition(":")
        if not (
            sep and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
        ):
            raise ValueError("must be HH:MM, e.g. 06:30")
        return f"{int(hour):02d}:{int(minute):02d}"

    @field_validator("report_dir")
    @classmethod
    def _relative_to_config(cls, value: str, info: ValidationInfo) -> str:
        base = (info.context or {}).get("config_dir")
        if value and base is not None and not Path(value).is_absolute():
            return str(Path(base) / value)
        return value

    @property
    def time(self) -> dt.time:
        return dt.time.fromisoformat(self.at)


class Route(_Strict):
    type: str
    match: dict[str, str | int | float | bool] = {}
    plugins: list[str] = Field(min_length=1)


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
