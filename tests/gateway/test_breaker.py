from gateway.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from gateway.config import BreakerPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_then_half_opens_then_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=3, cooldown=10), clock)
    for _ in range(2):
        breaker.record_failure()
    assert breaker.state == CLOSED
    assert breaker.allowance(0, 4) == 4
    breaker.record_failure()
    assert breaker.state == OPEN
    assert breaker.allowance(0, 4) == 0
    clock.now = 10
    assert breaker.state == HALF_OPEN
    assert breaker.allowance(0, 4) == 1
    assert breaker.allowance(1, 4) == 0
    breaker.record_success()
    assert breaker.state == CLOSED


def test_failed_probe_reopens() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerPolicy(failure_threshold=1, cooldown=5), clock)
    breaker.record_failure()
    clock.now = 5
    assert breaker.state == HALF_OPEN
    breaker.record_failure("still down")
    assert breaker.state == OPEN
    assert breaker.remaining() == 5
    assert breaker.reason == "still down"


def test_pause_for_throttling() -> None:
    clock = Clock()
    breaker = CircuitBreaker(BreakerPolicy(), clock)
    breaker.pause(3600, "daily limit")
    assert breaker.state == OPEN
    clock.now = 3599
    assert breaker.state == OPEN
    clock.now = 3600
    assert breaker.state == HALF_OPEN
