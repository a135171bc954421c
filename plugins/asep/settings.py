"""`[plugins.asep]`: the municipality's ranking software for ASEP hiring, and the mock's formula."""

from __future__ import annotations

from pydantic import Field, field_validator

from gateway.plugin_api import PluginSettings

#: the criteria the contract knows (contracts/asep/asep.openapi.yaml, our assumption)
CRITERIA = (
    "unemployment_months",
    "children",
    "single_parent",
    "disability_percent",
    "degree_grade",
    "experience_months",
)
#: the mock's points per unit of each criterion, and the units counted at most (our assumption,
#: in the spirit of ΣΟΧ notices: unemployment counts most, capped at a year)
DEFAULT_WEIGHTS = {
    "unemployment_months": 200.0,
    "children": 50.0,
    "single_parent": 50.0,
    "disability_percent": 3.0,
    "degree_grade": 40.0,
    "experience_months": 7.0,
}
DEFAULT_CAPS = {"unemployment_months": 12.0, "children": 4.0, "experience_months": 60.0}


class AsepSettings(PluginSettings):
    url: str = Field(
        description="the ranking software's API base, e.g. https://ranking.example/api/v1"
    )
    token: str = Field(description="the bearer token the vendor issued")
    request_types: list[str] = Field(
        default_factory=lambda: ["asep_hiring_application"],
        description="the request types that are applications to ASEP hiring competitions",
    )
    mock_competitions: list[str] = Field(
        default_factory=lambda: ["ΣΟΧ 1/2026", "ΣΟΧ 2/2026"],
        description="the competitions `gateway mocks` holds open",
    )
    mock_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="the mock's points formula: points per unit of each criterion",
    )
    mock_caps: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CAPS),
        description="units of a criterion counted at most (absent: no cap)",
    )

    @field_validator("url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        """Paths are joined to it; `PluginSettings` has checked it is an http(s) URL."""
        return value.rstrip("/")

    @field_validator("mock_weights", "mock_caps")
    @classmethod
    def _criteria(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(CRITERIA))
        if unknown:
            raise ValueError(
                f"unknown criteria: {', '.join(unknown)}; known: {', '.join(CRITERIA)}"
            )
        negative = sorted(name for name, number in value.items() if number < 0)
        if negative:
            raise ValueError(f"must not be negative: {', '.join(negative)}")
        return value
