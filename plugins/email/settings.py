"""`[plugins.email]`: the SMTP server, the sender, the administrators of each department."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gateway.plugin_api import PluginSettings, config_relative


class EmailSettings(PluginSettings):
    url_schemes: ClassVar[tuple[str, ...]] = ("smtp", "smtps")

    url: str = Field(
        description="smtp://host:port (plain, or STARTTLS with starttls = true) or smtps://host:port (implicit TLS)"
    )
    starttls: bool = Field(False, description="upgrade an smtp:// connection with STARTTLS")
    username: str | None = Field(None, description="SMTP login, when the server asks for one")
    password: str | None = None
    tls_verify: bool = Field(True, description="check the server's certificate")
    tls_ca_file: str | None = Field(None, description="a CA bundle for the server's certificate")
    from_address: str = Field(description="the sender, e.g. noreply@serres.gr")
    from_name: str = Field("Δήμος Σερρών", description="the sender's display name")
    municipality_el: str = Field("Δήμος Σερρών", description="the municipality, in Greek")
    municipality_el_genitive: str = Field(
        "Δήμου Σερρών", description="the same in the genitive, as Greek sentences need it"
    )
    municipality_en: str = Field(
        "Municipality of Serres", description="the municipality, in English"
    )
    portal_url: str | None = Field(
        None, description="the portal's address, linked in every message"
    )
    message_id_domain: str | None = Field(
        None, description="right-hand side of Message-IDs; default: the sender's domain"
    )
    departments: dict[str, list[str]] = Field(
        default_factory=dict,
        description="department (as request.status_changed names it, or the request type when "
        "it names none) → administrators told when a request is completed",
    )
    mock_admin_url: str = Field(
        "http://127.0.0.1:8025",
        description="where `gateway mocks` serves the SMTP mock's admin API",
    )
    in_doubt_days: float = Field(
        90.0, gt=0, description="days the record of each message sent is kept"
    )
    follow_secret: str | None = Field(
        None,
        min_length=32,
        description="signs the unfollow link in every message to a follower (32+ characters)",
    )
    follow_days: float = Field(
        365.0,
        gt=0,
        description="days a follower (an address) and a citizen's notify choice are kept",
    )
    max_followers: int = Field(
        200, ge=1, le=10000, description="followers one request may have; more are refused"
    )
    unfollow_url: str | None = Field(
        None,
        description="the portal page a follower's link opens, with {token} for the signed "
        "token; default: portal_url + /unfollow?token={token}",
    )

    @field_validator("url")
    @classmethod
    def _smtp_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must be smtp://host:port or smtps://host:port")
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise ValueError("the port is not a number from 0 to 65535") from None
        return value

    @field_validator("unfollow_url")
    @classmethod
    def _unfollow_url(cls, value: str | None) -> str | None:
        if value is not None and (
            "{token}" not in value or not value.startswith(("http://", "https://"))
        ):
            raise ValueError("must be an http(s) URL with {token} in it")
        return value

    @field_validator("mock_admin_url")
    @classmethod
    def _admin_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("must be http://host:port")
        return value

    @field_validator("tls_ca_file")
    @classmethod
    def _ca_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Relative to the config file; it must exist now, not at the first message."""
        if value is None:
            return None
        path = config_relative(value, info)
        if not path.is_file():
            raise ValueError(f"{path} is not a file")
        return str(path)

    @field_validator("from_address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not _looks_like_address(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("departments")
    @classmethod
    def _addresses(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for department, addresses in value.items():
            bad = [a for a in addresses if not _looks_like_address(a)]
            if bad:
                raise ValueError(f"{department}: not e-mail addresses: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _login_pair(self) -> EmailSettings:
        if bool(self.username) != bool(self.password):
            raise ValueError("give both username and password, or neither")
        if self.starttls and self.implicit_tls:
            raise ValueError("starttls is for smtp:// URLs; smtps:// is TLS from the start")
        return self

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or (465 if self.implicit_tls else 25)

    @property
    def implicit_tls(self) -> bool:
        return self.url.startswith("smtps://")

    @property
    def unfollow_link(self) -> str | None:
        if self.unfollow_url:
            return self.unfollow_url
        if self.portal_url:
            return self.portal_url.rstrip("/") + "/unfollow?token={token}"
        return None

    @property
    def id_domain(self) -> str:
        return self.message_id_domain or self.from_address.rpartition("@")[2]


def _looks_like_address(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain and " " not in value and "<" not in value)
