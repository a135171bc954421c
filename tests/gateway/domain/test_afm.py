import pytest

from gateway.domain.afm import afm_problem, is_valid_afm, normalize_afm


@pytest.mark.parametrize(
    "afm", ["094259216", "090165560", "094014298", "998184801", "EL094259216", "gr 094259216"]
)
def test_valid_afm(afm: str) -> None:
    assert is_valid_afm(afm)


def test_eight_digits_are_left_padded() -> None:
    assert normalize_afm("94259216") == "094259216"
    assert is_valid_afm("94259216")


@pytest.mark.parametrize(
    ("afm", "reason"),
    [
        ("123456781", "check digit"),
        ("000000000", "not an ΑΦΜ"),
        ("12345", "9 digits"),
        ("09425921A", "9 digits"),
        ("", "9 digits"),
        ("０９４２５９２１６", "9 digits"),  # full-width digits are not ASCII digits
    ],
)
def test_invalid_afm_says_why(afm: str, reason: str) -> None:
    assert reason in (afm_problem(afm) or "")
