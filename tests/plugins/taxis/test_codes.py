from datetime import UTC, datetime, timedelta

import pytest

from gateway.errors import (
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
    TransientError,
)
from plugins.taxis.codes import error_for, seconds_until_next_day, seconds_until_next_month

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 12:00 in Athens (EET, UTC+2)

ALL_CODES = {
    "AFM_CALLED_BY_BLOCKED": ThrottledError,  # AADE: temporarily blocked
    "AFM_CALLED_BY_NOT_FOUND": ConfigurationError,
    "EPIT_NF": NotFoundError,
    "FAILURES_TOLERATED_EXCEEDED": ThrottledError,
    "MAX_DAILY_USERNAME_CALLS_EXCEEDED": ThrottledError,
    "MONTHLY_LIMIT_EXCEEDED": ThrottledError,
    "MSG_TO_TAXISNET_ERROR": TransientError,
    "NO_INPUT_PARAMETERS": InvalidInputError,
    "SERVICE_NOT_ACTIVE": TransientError,
    "TAXPAYER_NF": NotFoundError,
    "TOKEN_AFM_BLOCKED": ThrottledError,
    "TOKEN_AFM_NOT_AUTHORIZED": ConfigurationError,
    "TOKEN_AFM_NOT_FOUND": ConfigurationError,
    "TOKEN_AFM_NOT_REGISTERED": ConfigurationError,
    "TOKEN_USERNAME_NOT_ACTIVE": ConfigurationError,
    "TOKEN_USERNAME_NOT_AUTHENTICATED": ConfigurationError,
    "TOKEN_USERNAME_NOT_DEFINED": ConfigurationError,
    "TOKEN_USERNAME_TOO_LONG": ConfigurationError,
    "WRONG_AFM": InvalidInputError,
}


@pytest.mark.parametrize(("code", "kind"), sorted(ALL_CODES.items()))
@pytest.mark.parametrize("prefix", ["", "RG_WS_PUBLIC_"])
def test_every_known_code(code: str, kind: type, prefix: str) -> None:
    error = error_for(prefix + code, "περιγραφή", NOW)
    assert type(error) is kind
    assert error.code == code and code in error.message and "περιγραφή" in error.message


def test_limits_wait_until_the_next_greek_day_or_month() -> None:
    assert seconds_until_next_day(NOW) == 12 * 3600
    assert (
        error_for("RG_WS_PUBLIC_MAX_DAILY_USERNAME_CALLS_EXCEEDED", None, NOW).retry_after
        == 12 * 3600
    )  # type: ignore[attr-defined]
    # 1 December 00:00 Athens is 30 November 22:00 UTC
    assert (
        seconds_until_next_month(NOW)
        == (datetime(2026, 11, 30, 22, 0, tzinfo=UTC) - NOW).total_seconds()
    )
    december = datetime(2026, 12, 31, 21, 59, tzinfo=UTC)  # 23:59 in Athens on New Year's Eve
    assert seconds_until_next_month(december) == 60


def test_unknown_code_is_transient_and_named() -> None:
    error = error_for("RG_WS_PUBLIC_SOMETHING_NEW", "νέο", NOW)
    assert isinstance(error, TransientError) and "unknown error code SOMETHING_NEW" in error.message


@pytest.mark.parametrize(
    "code", ["AFM_CALLED_BY_BLOCKED", "TOKEN_AFM_BLOCKED", "FAILURES_TOLERATED_EXCEEDED"]
)
def test_blocked_and_too_many_failures_wait_hours_as_configured(code: str) -> None:
    """AADE: *_BLOCKED is temporary, FAILURES_TOLERATED_EXCEEDED means "a few hours"."""
    default = error_for(code, None, NOW)
    assert isinstance(default, ThrottledError) and default.retry_after == 3 * 3600
    assert "try again in a few hours" in default.message
    longer = error_for(code, None, NOW, timedelta(hours=6))
    assert isinstance(longer, ThrottledError) and longer.retry_after == 6 * 3600
