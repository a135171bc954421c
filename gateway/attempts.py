"""What a finished delivery attempt means: poison or backend failure, the result kept, the retry, the hint.

Apart from the dispatcher's loop so each rule can be read (and tested) alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError

from gateway.config import RetryPolicy
from gateway.errors import GatewayError
from gateway.retry import next_attempt_at
from gateway.store.leases import Claim

MAX_RESULT_BYTES = 65_536  # a delivery's stored result; a backend's essay is not kept whole


def poisoned(exc: Exception, called_backend: bool) -> bool:
    """An unexpected error before any backend call: the event, not the backend, is at fault.

    A plugin's own TransientError, and the store or the network failing
    under it, stay transient: they can pass.
    """
    return not (called_backend or isinstance(exc, GatewayError | SQLAlchemyError | OSError))


def bounded_result(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A result as stored: a plugin's answer over MAX_RESULT_BYTES is replaced by a note."""
    if result is None:
        return None
    size = len(orjson.dumps(dict(result), default=str))
    if size <= MAX_RESULT_BYTES:
        return dict(result)
    return {"truncated": True, "bytes": size, "keys": sorted(result)[:50]}


def retry_plan(
    policy: RetryPolicy,
    claim: Claim,
    message: str,
    now: datetime,
    *,
    dead: bool,
    wait: float | None,
) -> tuple[datetime | None, str]:
    """When a failed delivery runs again (None: it is dead), and the message to keep.

    Dead at once, or after `wait` seconds (a backend's own time), or by the
    plugin's schedule, which says when it gives up.
    """
    if dead:
        return None, message
    if wait is not None:
        return now + timedelta(seconds=wait), message
    retry_at = next_attempt_at(policy, claim.failures + 1, claim.created_at, now)
    if retry_at is None:
        return None, f"gave up after {claim.failures + 1} failed attempts: {message}"
    return retry_at, message


HINT_END = " — not sent again."


def hint_cause(hint: str) -> str:
    """What the plugin said in an in-doubt hint, without the API and CLI how-to after it."""
    return hint.partition(HINT_END)[0].strip()


def settle_hint(message: str, claim: Claim) -> str:
    """What an operator reads on an in-doubt delivery: why, and the two ways out."""
    where = f"/v1/events/{claim.event_id}/deliveries/{claim.plugin}"
    return (
        f"{message}{HINT_END} Check the backend, then confirm what it holds "
        f"(POST {where}/confirm, or `gateway deliveries confirm {claim.event_id} {claim.plugin} "
        f"KEY=VALUE...`) or release it for another try (POST {where}/release, or "
        f"`gateway deliveries release {claim.event_id} {claim.plugin}`)"
    )
