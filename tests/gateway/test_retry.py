import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.config import RetryPolicy
from gateway.errors import ConnectionFailed, TransientError
from gateway.retry import backoff_delay, next_attempt_at, with_connection_retries


def test_default_schedule_spans_about_a_day() -> None:
    policy = RetryPolicy()
    no_jitter = policy.model_copy(update={"jitter": 0.0})
    total = sum(backoff_delay(no_jitter, n) for n in range(1, policy.max_attempts))
    assert 18 * 3600 < total < 30 * 3600


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(initial_delay=1, multiplier=2, max_delay=10, jitter=0.5)
    rng = random.Random(1)
    delays = [backoff_delay(policy, n, rng) for n in range(1, 8)]
    assert all(
        0.5 * min(10, 2 ** (n - 1)) <= d <= min(10, 2 ** (n - 1))
        for n, d in zip(range(1, 8), delays, strict=True)
    )


def test_dead_after_max_attempts_or_max_age() -> None:
    now = datetime.now(UTC)
    policy = RetryPolicy(max_attempts=3, initial_delay=10, jitter=0)
    assert next_attempt_at(policy, 2, now, now) == now + timedelta(seconds=30)
    assert next_attempt_at(policy, 3, now, now) is None
    aged = RetryPolicy(max_age=60, initial_delay=100, jitter=0)
    assert next_attempt_at(aged, 1, now, now) is None


async def test_connection_errors_are_retried_inside_the_attempt() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectError("refused")
        return "ok"

    assert await with_connection_retries(flaky) == "ok"
    assert calls == 3


async def test_other_errors_are_not_retried_inside_the_attempt() -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise TransientError("HTTP 503")

    with pytest.raises(TransientError):
        await with_connection_retries(broken)
    assert calls == 1


async def test_connection_retries_give_up() -> None:
    async def down() -> None:
        raise ConnectionFailed("down")

    with pytest.raises(ConnectionFailed):
        await with_connection_retries(down, tries=2)


def test_jitter_spreads_retries_below_the_schedule() -> None:
    """Without jitter every delivery failed in one outage would come back at the same instant."""
    policy = RetryPolicy(initial_delay=10, multiplier=2, max_delay=10, jitter=0.5)
    rng = random.Random(7)
    delays = [backoff_delay(policy, 3, rng) for _ in range(50)]
    assert all(5.0 <= delay <= 10.0 for delay in delays)
    assert len(set(delays)) > 40, "the delays are not spread"
    assert min(delays) < 6.5 and max(delays) > 9.5, "the spread does not reach across the range"
    now = datetime.now(UTC)
    times = {next_attempt_at(policy, 3, now, now, rng) for _ in range(20)}
    assert len(times) > 15
