"""What each RgWsPublic2 `error_rec/error_code` means for the gateway (domain file §1).

Codes arrive with the prefix RG_WS_PUBLIC_; both forms are accepted. The
mapping of the codes the issue names follows it; the rest are marked as our
assumption below.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.plugin_api import (
    ConfigurationError,
    GatewayError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
    TransientError,
)

PREFIX = "RG_WS_PUBLIC_"
ATHENS = ZoneInfo(
    "Europe/Athens"
)  # the service's limits reset by Greek calendar days (our assumption)

CONFIGURATION = {
    "AFM_CALLED_BY_NOT_FOUND",
    "TOKEN_AFM_NOT_AUTHORIZED",
    "TOKEN_AFM_NOT_FOUND",
    "TOKEN_AFM_NOT_REGISTERED",
    "TOKEN_USERNAME_NOT_ACTIVE",
    "TOKEN_USERNAME_NOT_AUTHENTICATED",
    "TOKEN_USERNAME_NOT_DEFINED",
    "TOKEN_USERNAME_TOO_LONG",
}
TRANSIENT = {"MSG_TO_TAXISNET_ERROR", "SERVICE_NOT_ACTIVE"}
INVALID = {
    "WRONG_AFM",
    "NO_INPUT_PARAMETERS",  # our assumption: we sent no ΑΦΜ, which validation should have stopped
}
NOT_FOUND = {
    "TAXPAYER_NF",
    "EPIT_NF",  # our assumption: "επιτηδευματίας not found", the ΑΦΜ is no business
}
#: AADE's own wording: *_BLOCKED means the caller is temporarily blocked, and
#: FAILURES_TOLERATED_EXCEEDED says to try again "in a few hours" (domain §1): throttled
#: waits, not configuration faults. How long is configurable (`blocked_wait_hours`)
BLOCKED = {"AFM_CALLED_BY_BLOCKED", "TOKEN_AFM_BLOCKED", "FAILURES_TOLERATED_EXCEEDED"}
DEFAULT_BLOCKED_WAIT = timedelta(hours=3)


def seconds_until_next_day(now: datetime) -> float:
    local = now.astimezone(ATHENS)
    midnight = datetime(local.year, local.month, local.day, tzinfo=ATHENS) + timedelta(days=1)
    return (midnight - local).total_seconds()


def seconds_until_next_month(now: datetime) -> float:
    local = now.astimezone(ATHENS)
    first = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=ATHENS)
    return (first - local).total_seconds()


def error_for(
    code: str,
    description: str | None,
    now: datetime,
    blocked_wait: timedelta = DEFAULT_BLOCKED_WAIT,
) -> GatewayError:
    """The gateway error for one error_rec; unknown codes are transient (retried, then dead with the code)."""
    short = code.removeprefix(PREFIX)
    message = f"{short}: {description}" if description else short
    if short in CONFIGURATION:
        return ConfigurationError(
            f"the service refuses our credentials or set-up: {message}", code=short
        )
    if short in INVALID:
        return InvalidInputError(message, code=short)
    if short in NOT_FOUND:
        return NotFoundError(message, code=short)
    if short == "MAX_DAILY_USERNAME_CALLS_EXCEEDED":
        return ThrottledError(
            f"daily call limit reached: {message}",
            retry_after=seconds_until_next_day(now),
            code=short,
        )
    if short == "MONTHLY_LIMIT_EXCEEDED":
        return ThrottledError(
            f"monthly call limit reached: {message}",
            retry_after=seconds_until_next_month(now),
            code=short,
        )
    if short in BLOCKED:
        hours = blocked_wait.total_seconds() / 3600
        return ThrottledError(
            f"the service blocks our calls for a while (AADE: try again in a few hours; "
            f"waiting {hours:g} h): {message}",
            retry_after=blocked_wait.total_seconds(),
            code=short,
        )
    if short in TRANSIENT:
        return TransientError(message, code=short)
    return TransientError(f"unknown error code {message}", code=short)
