"""`[plugins.protocol]`: which registry numbers the applications, and which department gets each type."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gateway.plugin_api import PluginSettings
from plugins.protocol.recipients import parse_spec

REQUEST_TYPES = (
    "fee_exemption",
    "tap_no_debt_certificate",
    "civil_registry_certificate",
    "asep_hiring_application",
    "document_order",
    "everyday_report",
)

#: who receives each of the six (domain file §7); a type added to [request_types] needs a line here
DEFAULT_DEPARTMENTS = {
    "fee_exemption": "Τμήμα Εσόδων",
    "tap_no_debt_certificate": "Τμήμα Ταμείου",
    "civil_registry_certificate": "Ληξιαρχείο",
    "asep_hiring_application": "Τμήμα Προσωπικού",
    "document_order": "Ληξιαρχείο",
    "everyday_report": "Τμήμα Καθαριότητας",
}


class ProtocolSettings(PluginSettings):
    driver: Literal["rest", "irida"] = Field(
        "rest", description="rest: our e-protocol REST contract; irida: ΙΡΙΔΑ External API v2"
    )
    url: str = Field(
        description="rest: the API base (…/api/v1); irida: the host (https://iridacloud.gov.gr)"
    )
    token: str | None = Field(None, description="rest: the bearer token")
    username: str | None = Field(None, description="irida: the API user")
    password: str | None = Field(None, description="irida: its password")
    x_profile: str | None = Field(
        None, description="irida: the xProfile to act as; empty: by position_name, else the first"
    )
    position_name: str | None = Field(None, description="irida: choose the profile by position")
    departments: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_DEPARTMENTS),
        description="request_type → receiving department. irida: an inner position, as "
        '"positionId-dutyId" or by its name ("Name / Duty" where it has several duties), '
        'or "root:ID-or-description" for another organisation',
    )
    registry_name: str | None = Field(
        None, description="the `registry` in results; default: the driver's name"
    )
    health_interval: float = Field(
        600.0,
        ge=0,
        description="irida: seconds a health check's answer is reused (ΙΡΙΔΑ counts calls)",
    )
    token_renew_margin: float = Field(
        600.0, ge=0, description="irida: seconds before expiry that a token is renewed"
    )
    in_doubt_days: float = Field(
        90.0, gt=0, description="days the record of a send is kept, to recognise a retry"
    )

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("departments")
    @classmethod
    def _known_types(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        # the config's catalogue when the gateway validates; the procurement's six otherwise
        known = list((info.context or {}).get("request_types") or REQUEST_TYPES)
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(
                f"unknown request type(s): {', '.join(unknown)}; the catalogue has: {', '.join(known)}"
            )
        empty = sorted(key for key, department in value.items() if not department.strip())
        if empty:
            raise ValueError(f"empty department for: {', '.join(empty)}")
        for key, department in value.items():
            try:
                parse_spec(department)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return {**DEFAULT_DEPARTMENTS, **value}

    @model_validator(mode="before")
    @classmethod
    def _removed_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "verify_by_inbox" in data:
            raise ValueError(
                "verify_by_inbox was removed: ΙΡΙΔΑ's inbox lists replies to our documents, "
                "not our sends, so a lost answer is always left to a clerk (outcome_unknown); "
                "delete the key"
            )
        return data

    @model_validator(mode="after")
    def _credentials(self) -> ProtocolSettings:
        if self.driver == "rest" and not self.token:
            raise ValueError("driver rest needs token")
        if self.driver == "irida" and not (self.username and self.password):
            raise ValueError("driver irida needs username and password")
        return self

    @property
    def registry(self) -> str:
        return self.registry_name or ("irida" if self.driver == "irida" else "e-protocol")
