from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.starter import SAMPLE_KAD, STARTER
from plugins.taxis.settings import TaxisSettings

BASE = {"username": "u", "password": "p"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "affected ΚΑΔ list is missing"),
        ({"affected_kad": ["56.30"]}, "affected_kad_version is required"),
        ({"affected_kad": ["5"], "affected_kad_version": "1"}, "2 to 8 digits"),
        (
            {"affected_kad": ["56.30"], "affected_kad_version": "1", "affected_kad_file": "x.toml"},
            "not both",
        ),
        ({"affected_kad_file": "/nonexistent/list.toml"}, "does not exist"),
        (
            {"affected_kad": ["56.30"], "affected_kad_version": "1", "afm_called_by": "123456781"},
            "check digit",
        ),
        (
            {"affected_kad": ["56.30"], "affected_kad_version": "1", "cache_ttl": -1},
            "greater than or equal",
        ),
        ({"affected_kad": ["56.30"], "affected_kad_version": "1", "colour": "red"}, "Extra inputs"),
        (
            {"affected_kad": ["56.30"], "affected_kad_version": "1", "blocked_wait_hours": 0},
            "greater than 0",
        ),
        (
            {"affected_kad": ["56.30"], "affected_kad_version": "1", "blocked_wait_hours": 72},
            "less than or equal to 48",
        ),
    ],
)
def test_bad_settings_say_why(changes: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TaxisSettings.model_validate({**BASE, **changes})


def test_credentials_are_required() -> None:
    with pytest.raises(ValidationError, match="username"):
        TaxisSettings.model_validate({"affected_kad": ["56.30"], "affected_kad_version": "1"})


def test_list_file_relative_to_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "list.toml").write_text(
        'name = "decision"\nversion = "2024-2"\ncodes = ["56.30"]\naccept_secondary = true\n'
    )
    settings = TaxisSettings.model_validate(
        {**BASE, "affected_kad_file": "list.toml"}, context={"config_dir": tmp_path}
    )
    rule = settings.rule()
    assert (rule.label, rule.prefixes, rule.accept_secondary) == (
        "decision 2024-2",
        ("5630",),
        True,
    )


def test_bad_list_file(tmp_path: Path) -> None:
    (tmp_path / "list.toml").write_text('name = "decision"\ncodes = ["56.30"]\n')
    with pytest.raises(ValidationError, match="not a list file"):
        TaxisSettings.model_validate({**BASE, "affected_kad_file": str(tmp_path / "list.toml")})


def test_the_shipped_sample_list() -> None:
    settings = TaxisSettings.model_validate(
        {**BASE, "affected_kad_file": "taxis-affected-kad.sample.toml"},
        context={"config_dir": STARTER},
    )
    assert settings.rule().label == "sample-affected-kad SAMPLE-2020-1 (decision 43/2020)"
    assert "SAMPLE, NOT AN OFFICIAL LIST" in SAMPLE_KAD.read_text()


def test_the_decision_inline_and_in_the_list_file(tmp_path: Path) -> None:
    inline = TaxisSettings.model_validate(
        {**BASE, "affected_kad": ["56.30"], "affected_kad_version": "1", "decision_id": "12/2025",
         "period_from": "2025-03-01", "period_to": "2025-06-30", "beyond_registry_window": "refer"}
    ).rule()  # fmt: skip
    assert (inline.decision, inline.period, inline.beyond_window) == (
        "12/2025", {"from": "2025-03-01", "to": "2025-06-30"}, "refer",
    )  # fmt: skip
    (tmp_path / "list.toml").write_text(
        'name = "d"\nversion = "2"\ncodes = ["56.30"]\ndecision = "43/2020"\n'
        'period_from = 2020-03-14\nperiod_to = "2020-06-30"\n'
    )
    from_file = TaxisSettings.model_validate(
        {**BASE, "affected_kad_file": str(tmp_path / "list.toml"), "decision_id": "ignored"}
    ).rule()
    assert (from_file.decision, from_file.period) == (
        "43/2020", {"from": "2020-03-14", "to": "2020-06-30"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('period_from = "14/03/2020"', "period_from must be a date"),
        ('beyond_registry_window = "maybe"', "beyond_registry_window must be one of"),
        ("period_from = 2020-07-01\nperiod_to = 2020-06-30", "before it starts"),
    ],
)
def test_a_bad_decision_in_the_list_file(tmp_path: Path, lines: str, message: str) -> None:
    (tmp_path / "list.toml").write_text(f'name = "d"\nversion = "2"\ncodes = ["56.30"]\n{lines}\n')
    with pytest.raises(ValidationError, match=message):
        TaxisSettings.model_validate({**BASE, "affected_kad_file": str(tmp_path / "list.toml")})


def test_a_bad_decision_inline() -> None:
    with pytest.raises(ValidationError, match="beyond_registry_window"):
        TaxisSettings.model_validate(
            {**BASE, "affected_kad": ["56.30"], "affected_kad_version": "1",
             "beyond_registry_window": "maybe"}
        )  # fmt: skip
