"""When to try a failed delivery again, and the short retries inside one attempt."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import aiohttp
import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from gateway.config import RetryPolicy
from gateway.errors import ConnectionFailed

T = TypeVar("T")


def backoff_delay(policy: RetryPolicy, failures: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `failures`-th failure: exponential, capped, minus some jitter."""
    base = policy.initial_delay * policy.multiplier ** max(0, failures - 1)
    capped = min(base, policy.max_delay)
    draw = (rng or random).random()
    return capped * (1.0 - policy.jitter * draw)


def next_attempt_at(
    policy: RetryPolicy,
    failures: int,
    created_at: datetime,
    now: datetime,
    rng: random.Random | None = None,
) -> datetime | None:
    """None when the delivery has used its attempts or its age: it is dead."""
    if failures >= policy.max_attempts:
        return None
    when = now + timedelta(seconds=backoff_delay(policy, failures, rng))
    if policy.max_age is not None and (when - created_at).total_seconds() > policy.max_age:
        return None
    return when


def is_connection_error(exc: BaseException) -> bool:
    """Failures to reach the backend at all: safe to retry at once, nothing was sent."""
    return isinstance(
        exc,
        ConnectionFailed
        | httpx.ConnectError
        | httpx.ConnectTimeout
        | aiohttp.ClientConnectorError
        | ConnectionRefusedError,
    )


#: seconds before the second try; each later wait doubles, up to a second
FIRST_WAIT = 0.1


async def with_connection_retries(call: Callable[[], Awaitable[T]], tries: int = 3) -> T:
    """Run `call`, retrying only connection errors a couple of times within the attempt.

    The first try runs bare: tenacity's machinery, built for each call, was a
    fifth of the dispatcher's own time per delivery, and nearly every call
    needs no second try. The waits are as before: 0.1 s, then 0.2 s.
    """
    try:
        return await call()
    except Exception as exc:
        if tries <= 1 or not is_connection_error(exc):
            raise
    await asyncio.sleep(FIRST_WAIT)
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(is_connection_error),
        stop=stop_after_attempt(tries - 1),
        wait=wait_exponential(multiplier=FIRST_WAIT * 2, max=1.0),
        reraise=True,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable")
