"""The config's core sections as pydantic models: defaults, bounds and one-field checks.

Kept apart from `config.py`, which loads a file, expands `${ENV}` and
gathers every problem with its key path; these say what a section holds.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


def config_relative(value: str, info: ValidationInfo) -> Path:
    """A relative path is read from the config file's folder, wherever the gateway was started."""
    path = Path(value)
    base = (info.context or {}).get("config_dir")
    return Path(base) / path if base is not None and not path.is_absolute() else path


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


SECRET_KEYS = frozenset({"password", "token", "secret", "username"})


def url_problem(value: str, schemes: tuple[str, ...]) -> str | None:
    """Why `value` is not a usable URL of one of `schemes`, or None.

    Found by a new user: "", "gsis.gr", "ftp://…", port 99999 and URLs with
    spaces all passed, and a missing scheme became a transient error at run
    time, retried for a day.
    """
    example = f"{schemes[0]}://host:port/path"
    if not value or value != value.strip() or any(c.isspace() for c in value):
        return f"must be a URL such as {example}, with no spaces"
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        return f"must start with {' or '.join(s + '://' for s in schemes)} (e.g. {example})"
    if not parts.hostname:
        return f"names no host (e.g. {example})"
    try:
        parts.port  # noqa: B018 - raises on a port that is not 0..65535
    except ValueError:
        return "the port must be a number from 1 to 65535"
    return None


class PluginSettings(_Strict):
    """Keys every plugin section has; a plugin subclasses this for its own keys.

    Every `url` and `*_url` key is checked as a URL (`url_schemes` for `url`,
    http or https for the others), and credentials may not be empty.
    """

    url_schemes: ClassVar[tuple[str, ...]] = ("http", "https")

    enabled: bool = True
    url: str | None = None
    timeout: float = Field(30.0, gt=0, description="seconds one attempt may take")
    concurrency: int = Field(4, ge=1, le=256, description="deliveries in flight at once")
    max_throttle: float = Field(
        3600.0, gt=0, le=7 * 86400, description="the longest wait a backend's Retry-After can ask"
    )
    max_answer_bytes: int = Field(
        1_048_576, ge=1024, le=256 * 1024 * 1024, description="the largest answer body read"
    )
    follow_redirects: bool = Field(
        False, description="follow a backend's 3xx; off, a 3xx is a failure"
    )
    retry: RetryPolicy = RetryPolicy()
    breaker: BreakerPolicy = BreakerPolicy()

    @field_validator("*")
    @classmethod
    def _urls_and_credentials(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if isinstance(value, str) and (name == "url" or name.endswith("_url")):
            problem = url_problem(value, cls.url_schemes if name == "url" else ("http", "https"))
            if problem:
                raise ValueError(problem)
        if isinstance(value, str) and name in SECRET_KEYS and not value.strip():
            raise ValueError(f"the {name} is empty (is its environment variable set to nothing?)")
        return value


class _UnknownPluginSettings(PluginSettings):
    """A disabled section whose plugin is not installed: keep it, do not judge its keys."""

    model_config = ConfigDict(extra="allow", frozen=True)


class ServerLimits(_Strict):
    """Time and connection limits on what an HTTP client controls (`[gateway.server]`).

    A client that opens a connection and sends nothing, or headers and then
    no body, holds a file descriptor; without these, a thousand of them
    starve everyone else (issue 12, finding 1). Defaults follow nginx's
    order of magnitude, shortened for an API whose requests are small.
    """

    header_timeout: float = Field(
        10.0, gt=0, le=600, description="seconds from a request's first byte to its last header"
    )
    body_timeout: float = Field(
        30.0, gt=0, le=3600, description="seconds to receive a whole request body"
    )
    idle_timeout: float = Field(
        60.0, gt=0, le=3600, description="seconds an open connection may wait for its next request"
    )
    max_connections_per_client: int = Field(
        100,
        ge=1,
        le=100_000,
        description="open connections from one address; raise it behind a reverse proxy",
    )
    max_connections: int = Field(
        900, ge=1, le=1_000_000, description="open connections in all; kept under the fd limit"
    )


#: what `[gateway] event_loop` may say (`gateway/event_loop.py` runs it)
EVENT_LOOPS = ("auto", "uvloop", "asyncio")


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
    log_format: str = Field(
        "text", description='"text" for a terminal or journald, "json" for a log collector'
    )
    access_log: bool = Field(True, description="one line per HTTP request, path masked")
    event_loop: str = Field(
        "auto", description='"auto" (uvloop where installed), "uvloop" or "asyncio"'
    )
    public_url: str | None = Field(
        None, description="the address the portal reaches us at; status_url is absolute with it"
    )
    health_interval: float = Field(
        15.0, gt=0, le=3600, description="seconds a backend health answer is reused"
    )
    server: ServerLimits = ServerLimits()

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError('must be "text" or "json"')
        return value

    @field_validator("event_loop")
    @classmethod
    def _known_loop(cls, value: str) -> str:
        if value not in EVENT_LOOPS:
            raise ValueError('must be "auto", "uvloop" or "asyncio"')
        return value

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8080")
        return value

    @field_validator("public_url")
    @classmethod
    def _public(cls, value: str | None) -> str | None:
        if value is not None:
            problem = url_problem(value, ("https", "http"))
            if problem:
                raise ValueError(problem)
            return value.rstrip("/")
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
        return str(config_relative(value, info)) if value else value

    @property
    def time(self) -> dt.time:
        return dt.time.fromisoformat(self.at)


class Route(_Strict):
    type: str
    match: dict[str, str | int | float | bool] = {}
    plugins: list[str] = Field(min_length=1)


ROLES = ("viewer", "operator", "admin")


class DepartmentSection(_Strict):
    """`[departments.NAME]`: whose events are whose (the procurement's roles per department)."""

    name: str = Field(min_length=1, max_length=200, description="e.g. Τμήμα Εσόδων")
    request_types: list[str] = Field(
        default_factory=list, description="request.* events of these request types belong here"
    )
    payments: bool = Field(False, description="payment.* events belong here")


class OperatorSection(_Strict):
    """`[operators.LOGIN]`: a named member of staff, with a role and (optionally) departments.

    The token is `LOGIN.SECRET`, kept only as its argon2id hash (from
    `gateway operators hash`), so a copy of the config gives nobody access.
    """

    role: str = Field(description="viewer | operator | admin")
    departments: list[str] | None = Field(None, description="absent: every department")
    token_hash: str | None = Field(None, description="argon2id hash of the API token")
    password_hash: str | None = Field(None, description="argon2id hash of the console password")

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"must be one of {', '.join(ROLES)}")
        return value

    @field_validator("token_hash", "password_hash")
    @classmethod
    def _argon2id(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("$argon2id$"):
            raise ValueError(
                "must be an argon2id hash ($argon2id$…), from `gateway operators hash`"
            )
        return value
