"""`[plugins.taxis]`: AADE RgWsPublic2 credentials, the affected-ΚΑΔ list and the cache."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from gateway.plugin_api import PluginSettings, afm_problem, config_relative
from plugins.taxis.rule import AffectedList, list_code


class TaxisSettings(PluginSettings):
    url: str = Field(
        "https://www1.gsis.gr/wsaade/RgWsPublic2/RgWsPublic2", description="the service endpoint"
    )
    username: str = Field(
        description="the organisation's special credentials (Ειδικοί Κωδικοί), not a citizen's"
    )
    password: str
    afm_called_by: str | None = Field(
        None, description="ΑΦΜ on whose behalf calls are made; empty: the token owner"
    )
    affected_kad: list[str] = Field(
        [], description="ΚΑΔ of the affected list: 2 to 8 digits, dots allowed"
    )
    affected_kad_file: str | None = Field(
        None, description="a TOML file with name, version, codes, accept_secondary"
    )
    affected_kad_name: str = "affected-kad"
    affected_kad_version: str = Field(
        "", description="which decision the list comes from; recorded in every verdict"
    )
    accept_secondary: bool = Field(False, description="a secondary ΚΑΔ on the list also qualifies")
    decision_id: str | None = Field(
        None, description="the council decision the rule comes from (e.g. 43/2020)"
    )
    period_from: date | None = Field(None, description="the decision's period: first day")
    period_to: date | None = Field(None, description="the decision's period: last day")
    beyond_registry_window: Literal["judge_today", "refer"] = Field(
        "judge_today",
        description="a period older than AADE's 3-year window: judge on today's data and say so, "
        "or refer the request to a clerk (needs_review)",
    )
    blocked_wait_hours: float = Field(
        3.0,
        gt=0,
        le=48,
        description="hours to wait when AADE answers *_BLOCKED or FAILURES_TOLERATED_EXCEEDED "
        '(AADE: "try again in a few hours")',
    )
    cache_ttl: float = Field(
        86_400.0, ge=0, description="seconds a registry answer is reused (each call is notified)"
    )

    @field_validator("afm_called_by")
    @classmethod
    def _afm(cls, value: str | None) -> str | None:
        if value and (problem := afm_problem(value)):
            raise ValueError(problem)
        return value or None

    @field_validator("affected_kad_file")
    @classmethod
    def _relative_to_config(cls, value: str | None, info: ValidationInfo) -> str | None:
        return str(config_relative(value, info)) if value else value

    @field_validator("affected_kad")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        for value in values:
            list_code(value)
        return values

    @model_validator(mode="after")
    def _one_list(self) -> TaxisSettings:
        if self.affected_kad and self.affected_kad_file:
            raise ValueError("give affected_kad or affected_kad_file, not both")
        if not self.affected_kad and not self.affected_kad_file:
            raise ValueError(
                "the affected ΚΑΔ list is missing: set affected_kad or affected_kad_file"
            )
        if self.affected_kad_file:
            self.rule()  # read it now, so a bad file is a config error
        elif not self.affected_kad_version:
            raise ValueError(
                "affected_kad_version is required: every verdict records which list it used"
            )
        return self

    def rule(self) -> AffectedList:
        """The rule in force, from the inline keys or the list file (whose own keys win)."""
        if not self.affected_kad_file:
            return AffectedList.build(
                self.affected_kad_name,
                self.affected_kad_version,
                self.affected_kad,
                self.accept_secondary,
                decision=self.decision_id,
                period_from=self.period_from,
                period_to=self.period_to,
                beyond_window=self.beyond_registry_window,
            )
        path = Path(self.affected_kad_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            period_from, period_to = (
                _day(data[key], key) if key in data else default
                for key, default in (
                    ("period_from", self.period_from),
                    ("period_to", self.period_to),
                )
            )
            return AffectedList.build(
                str(data["name"]),
                str(data["version"]),
                [str(c) for c in data["codes"]],
                bool(data.get("accept_secondary", self.accept_secondary)),
                decision=str(data["decision"]) if "decision" in data else self.decision_id,
                period_from=period_from,
                period_to=period_to,
                beyond_window=str(data.get("beyond_registry_window", self.beyond_registry_window)),
            )
        except FileNotFoundError:
            raise ValueError(f"affected_kad_file {path} does not exist") from None
        except (KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(
                f"affected_kad_file {path} is not a list file (name, version, codes): {exc}"
            ) from None


def _day(value: object, key: str) -> date:
    """A TOML date, or its ISO text."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{key} must be a date (YYYY-MM-DD), not {value!r}") from None
