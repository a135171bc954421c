"""Whether the current delivery attempt has called its backend yet.

The dispatcher tells a poison event (the plugin fails on the data before any
backend call: retrying cannot help, and the backend is not to blame) from a
backend failure (retry, and count toward the plugin's circuit breaker). The
HTTP clients of `http_client` mark a call as they send; a plugin speaking
another protocol calls `mark_backend_call()` before it connects.

A mutable cell in a context variable, so tasks a plugin starts inside the
attempt (they copy the context) mark the same attempt.
"""

from __future__ import annotations

import contextvars


class AttemptCalls:
    """One attempt's record; `called` turns true at the first backend call."""

    __slots__ = ("called",)

    def __init__(self) -> None:
        self.called = False


_current: contextvars.ContextVar[AttemptCalls | None] = contextvars.ContextVar(
    "gateway_attempt_calls", default=None
)


def begin_attempt() -> AttemptCalls:
    """Start recording for the attempt running in this task (the dispatcher's side)."""
    calls = AttemptCalls()
    _current.set(calls)
    return calls


def mark_backend_call() -> None:
    """Say that the backend is being called now (a no-op outside a delivery attempt)."""
    calls = _current.get()
    if calls is not None:
        calls.called = True
