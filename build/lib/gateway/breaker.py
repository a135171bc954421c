"""A per-plugin circuit breaker, also used to pause a plugin its backend throttled."""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.config import BreakerPolicy

CLOSED, HALF_OPEN, OPEN = "closed", "half_open", "open"


class CircuitBreaker:
    """Closed → open after N consecutive failures → half-open after the cooldown (one probe)."""

    def __init__(self, policy: BreakerPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._failures = 0
        self._open_until = 0.0
        self._state = CLOSED
        self.reason = ""

    @property
    def state(self) -> str:
        if self._state == OPEN and self._clock() >= self._open_until:
            self._state = HALF_OPEN
        return self._state

    def remaining(self) -> float:
        """Seconds until an open breaker lets a probe through."""
        return max(0.0, self._open_until - self._clock()) if self.state == OPEN else 0.0

    def allowance(self, in_flight: int, capacity: int) -> int:
        """How many more deliveries may start now."""
        state = self.state
        if state == OPEN:
            return 0
        if state == HALF_OPEN:
            return 1 if in_flight == 0 else 0
        return max(0, capacity - in_flight)

    def record_success(self) -> None:
        self._failures = 0
        self._state = CLOSED
        self.reason = ""

    def record_failure(self, reason: str = "") -> None:
        self._failures += 1
        if self._state == HALF_OPEN or self._failures >= self.policy.failure_threshold:
            self._open(self.policy.cooldown, reason or f"{self._failures} consecutive failures")

    def pause(self, seconds: float, reason: str) -> None:
        """Open for exactly `seconds`: the backend told us how long to wait."""
        self._open(seconds, reason)

    def _open(self, seconds: float, reason: str) -> None:
        self._state = OPEN
        self._open_until = max(self._open_until, self._clock() + seconds)
        self.reason = reason
