"""The sections of the gateway's own services: the console, telemetry and the daily digest."""

from __future__ import annotations

import importlib.util
import re
from typing import Any

from pydantic import Field, field_validator

from gateway.config_sections import _Strict

_ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[A-Za-z]{2,}")


class TelemetrySection(_Strict):
    """`[telemetry]`: OpenTelemetry traces from the portal's request to every backend call."""

    enabled: bool = False
    exporter: str = Field("none", description='"none" (propagate only) | "console" | "otlp"')
    otlp_endpoint: str = Field(
        "http://127.0.0.1:4318/v1/traces", description="OTLP over HTTP (the `otlp` extra)"
    )
    service_name: str = Field("municipal-gateway", min_length=1, max_length=100)

    @field_validator("exporter")
    @classmethod
    def _known_exporter(cls, value: str) -> str:
        if value not in ("none", "console", "otlp"):
            raise ValueError('must be "none", "console" or "otlp"')
        if value == "otlp" and importlib.util.find_spec("opentelemetry.exporter") is None:
            raise ValueError('"otlp" needs the otlp extra: pip install "municipal-gateway[otlp]"')
        return value


class ConsoleSection(_Strict):
    """`[console]`: the operators' pages at /console, signed in with a password."""

    enabled: bool = False
    session_secret: str | None = Field(
        None,
        min_length=32,
        description="signs session cookies; set it when several processes serve the console "
        "(absent: a random key per process, and sessions end at a restart)",
    )
    idle_minutes: float = Field(30.0, gt=0, le=24 * 60, description="a session ends when idle")
    max_hours: float = Field(12.0, gt=0, le=7 * 24, description="a session ends after this")
    failed_logins: int = Field(5, ge=1, le=100, description="failures before a login is held")
    hold_minutes: float = Field(15.0, gt=0, le=24 * 60, description="how long a login is held")
    secure_cookie: bool | None = Field(
        None, description="mark the cookie Secure; absent: when public_url is https"
    )


def _check_addresses(addresses: list[str], where: str = "") -> None:
    for address in addresses:
        if not _ADDRESS.fullmatch(address):
            raise ValueError(f"{where}{address!r} is not an e-mail address")


class DigestSection(_Strict):
    """`[digest]`: a daily e-mail to IT (and, optionally, each department) of what needs a person.

    Sent through the email plugin's SMTP settings, once a day even with
    several processes (a lease in the database).
    """

    enabled: bool = False
    to: list[str] = Field(default_factory=list, description="IT's addresses")
    at: str = Field("07:30", description="HH:MM, Athens time")
    departments: dict[str, list[str]] = Field(
        default_factory=dict, description="department name → its addresses, for its own digest"
    )

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        _check_addresses(value)
        return value

    @field_validator("departments")
    @classmethod
    def _department_addresses(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, addresses in value.items():
            _check_addresses(addresses, f"{name}: ")
        return value

    @field_validator("at")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
            raise ValueError("must be HH:MM, e.g. 07:30")
        return value


def service_warnings(settings: Any) -> list[tuple[str, str]]:
    """(key path, words) of what is allowed but probably not meant, for `config_warnings`."""
    found = []
    if settings.console.enabled and not any(o.password_hash for o in settings.operators.values()):
        found.append(("console.enabled", "no operator has a password_hash: nobody can sign in"))
    digest = settings.digest
    if digest.enabled:
        if not digest.to and not digest.departments:
            found.append(("digest.to", "empty, and no departments: the digest goes to nobody"))
        email = settings.plugins.get("email")
        if email is None or not email.enabled:
            found.append(("digest.enabled", "the email plugin is not enabled: no digest is sent"))
        for name in digest.departments:
            if name not in settings.departments:
                found.append((f"digest.departments.{name}", "no such [departments] table"))
    return found
