import pytest

from gateway.domain.rf import is_valid_rf, rf_for, rf_problem


def test_domain_example_is_valid() -> None:
    assert is_valid_rf("RF18539007547034")
    assert is_valid_rf("RF18 5390 0754 7034")  # printed in groups of 4
    assert is_valid_rf("rf18539007547034")


@pytest.mark.parametrize("body", ["539007547034", "A", "ABCDEFGHIJKLMNOPQRSTU", "20260000123"])
def test_check_digits_we_compute_validate(body: str) -> None:
    assert is_valid_rf(rf_for(body))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("RF19539007547034", "check digits"),
        ("RF18", "'RF', 2 check digits"),
        ("XX18539007547034", "'RF', 2 check digits"),
        ("RF18" + "1" * 22, "'RF', 2 check digits"),
        ("RF1853900754703$", "'RF', 2 check digits"),
    ],
)
def test_invalid_rf_says_why(code: str, reason: str) -> None:
    assert reason in (rf_problem(code) or "")
