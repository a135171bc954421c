"""The names a delivery's life is told in: its state, how an attempt ended, an event's status.

StrEnums, so they are stored, compared and serialised as the plain strings
the API, the CLI and the database have always used, and a misspelt one is a
NameError instead of a silent miss.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class DeliveryState(StrEnum):
    """Where one (event, plugin) delivery stands."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DEAD = "dead"
    #: an operator took it off the dead-letter list for good; its history stays
    DISMISSED = "dismissed"


#: a delivery in these states still has work ahead of it
ACTIVE_STATES = (DeliveryState.PENDING, DeliveryState.RUNNING)


class Outcome(StrEnum):
    """How an attempt ended (the attempt history, `last_error_kind`, the metrics)."""

    SUCCEEDED = "succeeded"
    TRANSIENT = "transient"
    PERMANENT = "permanent"
    CONFIGURATION = "configuration"
    THROTTLED = "throttled"
    OUTCOME_UNKNOWN = "outcome_unknown"
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"
    LEASE_LOST = "lease_lost"
    LEASE_EXPIRED = "lease_expired"
    CONFIRMED_BY_OPERATOR = "confirmed_by_operator"
    RELEASED_BY_OPERATOR = "released_by_operator"
    DISMISSED_BY_OPERATOR = "dismissed_by_operator"
    #: the base of plugin errors that name no kind of their own
    ERROR = "error"


class EventStatus(StrEnum):
    """An event's overall status, derived from its deliveries."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    #: nothing pending or dead, and at least one delivery dismissed by an operator
    CLOSED = "closed"


def overall_status(states: Iterable[str]) -> EventStatus:
    """Pending while any delivery has work ahead; else dead if any gave up; closed if any was
    dismissed; else delivered."""
    seen = set(states)
    if seen & set(ACTIVE_STATES):
        return EventStatus.PENDING
    if DeliveryState.DEAD in seen:
        return EventStatus.DEAD
    if DeliveryState.DISMISSED in seen:
        return EventStatus.CLOSED
    return EventStatus.DELIVERED
