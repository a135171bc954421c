"""The three kinds of failure a backend call can end in.

Plugins raise these; only the dispatcher decides what happens next (retry,
dead letter, wait) and only HTTP views turn them into answers. Anything else
a plugin raises is treated as transient, the way a mature integration engine
treats an unexpected fault: retried, then dead-lettered with its message.
"""

from __future__ import annotations

from gateway.states import Outcome

MAX_WAIT = 30 * 86400.0


class GatewayError(Exception):
    """Base of every error a plugin may raise on purpose."""

    #: short machine-readable name kept in the attempt history
    kind: Outcome = Outcome.ERROR

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientError(GatewayError):
    """The backend may answer later: retry with backoff."""

    kind: Outcome = Outcome.TRANSIENT


class ConnectionFailed(TransientError):
    """The backend could not be reached; retried briefly inside the attempt too."""

    kind: Outcome = Outcome.TRANSIENT


class PermanentError(GatewayError):
    """Retrying cannot help (bad data, refused by the backend): dead at once."""

    kind: Outcome = Outcome.PERMANENT


class ConfigurationError(PermanentError):
    """The backend refuses our credentials or set-up: an operator must act.

    Dead at once like any permanent error; the plugin's health check is
    expected to report the same fault so `/readyz` shows it.
    """

    kind: Outcome = Outcome.CONFIGURATION


class ThrottledError(GatewayError):
    """The backend asks us to wait (rate or daily limit): pause the plugin."""

    kind: Outcome = Outcome.THROTTLED

    def __init__(self, message: str, *, retry_after: float, code: str | None = None) -> None:
        super().__init__(message, code=code)
        seconds = float(retry_after)
        # a backend's number: NaN waits nothing, anything past a month is a month
        self.retry_after = 0.0 if seconds != seconds else min(max(0.0, seconds), MAX_WAIT)


class OutcomeUnknownError(GatewayError):
    """The backend may or may not have done it, and the plugin has no way to find out.

    Sending again could do it twice (a second protocol number), so the
    delivery stops and waits for an operator, who confirms what the backend
    did (`.../confirm`) or releases it for another try (`.../release`).
    """

    kind: Outcome = Outcome.OUTCOME_UNKNOWN


class NotFoundError(PermanentError):
    """The backend does not know what was asked for (a look-up answers 404)."""

    kind: Outcome = Outcome.NOT_FOUND


class InvalidInputError(PermanentError):
    """The backend judged the input invalid (a look-up answers 422)."""

    kind: Outcome = Outcome.INVALID_INPUT
