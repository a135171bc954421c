"""Operator repair: replay what failed, and settle by hand a delivery in doubt (`outcome_unknown`).

Every change is one write through the group-commit writer and leaves a
step in the attempt history, so the history tells who moved a delivery on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from gateway.states import DeliveryState, Outcome
from gateway.store.accept import NewEvent
from gateway.store.db import Store
from gateway.store.models import attempts, bounded_reference, deliveries, events, utcnow
from gateway.store.settle import store_derived


def requeued(now: datetime) -> dict[str, Any]:
    """The columns of a delivery put back in the queue, due now, its failures forgotten."""
    return {
        "state": DeliveryState.PENDING,
        "next_attempt_at": now,
        "failures": 0,
        "finished_at": None,
        "updated_at": now,
    }


async def replay(store: Store, event_id: str) -> list[str] | None:
    """Put dead deliveries, and failed ones waiting for a retry, back in the queue now.

    Returns the plugins requeued, or None when there is no such event. Deliveries
    in doubt (`outcome_unknown`) stay: sending them again could do the work twice.
    """
    now = utcnow()
    # an in-doubt delivery (outcome_unknown) is settled by confirm or release, never by a replay
    target = and_(
        deliveries.c.event_id == event_id,
        or_(
            and_(
                deliveries.c.state == DeliveryState.DEAD,
                deliveries.c.last_error_kind.is_distinct_from(Outcome.OUTCOME_UNKNOWN),
            ),
            and_(deliveries.c.state == DeliveryState.PENDING, deliveries.c.failures > 0),
        ),
    )

    def requeue(connection: Connection) -> list[str] | None:
        exists = (connection.execute(select(events.c.id).where(events.c.id == event_id))).first()
        if exists is None:
            return None
        plugins = [
            row.plugin for row in connection.execute(select(deliveries.c.plugin).where(target))
        ]
        if plugins:
            connection.execute(update(deliveries).where(target).values(**requeued(now)))
        return plugins

    return await store.transact(requeue)


@dataclass(frozen=True)
class InDoubt:
    """A delivery stopped with `outcome_unknown`, and its event, for an operator to settle."""

    delivery_id: int
    envelope: dict[str, Any] | None


class NotInDoubt(Exception):
    """The delivery is not waiting for an operator (any more); says what it is."""


class NoSuchDelivery(NotInDoubt):
    """The event has no delivery to that plugin."""


OPERATOR = "operator"


def _in_doubt(event_id: str, plugin: str) -> Any:
    return and_(
        deliveries.c.event_id == event_id,
        deliveries.c.plugin == plugin,
        deliveries.c.state == DeliveryState.DEAD,
        deliveries.c.last_error_kind == Outcome.OUTCOME_UNKNOWN,
    )


async def find_in_doubt(store: Store, event_id: str, plugin: str) -> InDoubt:
    async with store.read() as connection:
        row = (
            await connection.execute(
                select(
                    deliveries.c.id,
                    deliveries.c.state,
                    deliveries.c.last_error_kind,
                    events.c.envelope,
                )
                .join(events, events.c.id == deliveries.c.event_id)
                .where(deliveries.c.event_id == event_id, deliveries.c.plugin == plugin)
            )
        ).first()
    if row is None:
        raise NoSuchDelivery(f"event {event_id!r} has no delivery to plugin {plugin!r}")
    if row.state != DeliveryState.DEAD or row.last_error_kind != Outcome.OUTCOME_UNKNOWN:
        raise NotInDoubt(
            f"the {plugin} delivery of {event_id!r} is {row.state}"
            + (f" ({row.last_error_kind})" if row.last_error_kind else "")
            + ", not waiting for an operator (outcome_unknown)"
        )
    return InDoubt(row.id, row.envelope)


def _settle_in_doubt(
    connection: Connection,
    event_id: str,
    plugin: str,
    values: dict[str, Any],
    outcome: Outcome,
    note: str,
) -> int | None:
    """Move an in-doubt delivery on, with the operator's step in its history; None if it was not in doubt."""
    row = connection.execute(select(deliveries.c.id).where(_in_doubt(event_id, plugin))).first()
    if row is None:
        return None
    now = utcnow()
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == row.id)
        .values(last_error_kind=outcome, updated_at=now, **values)
    )
    number = connection.execute(
        select(deliveries.c.attempts).where(deliveries.c.id == row.id)
    ).scalar_one()
    connection.execute(
        attempts.insert().values(
            delivery_id=row.id,
            number=number,
            worker=OPERATOR,
            lease_token=OPERATOR,
            started_at=now,
            ended_at=now,
            outcome=outcome,
            error_message=note,
        )
    )
    return row.id


async def settle_by_hand(
    store: Store,
    event_id: str,
    plugin: str,
    result: dict[str, Any] | None,
    derived: list[NewEvent],
    *,
    reference: str | None = None,
) -> list[NewEvent]:
    """An operator confirmed what the backend did: succeeded, with its derived events, atomically.

    Raises NotInDoubt when another operator (or process) settled it first.
    """
    values = {
        "state": DeliveryState.SUCCEEDED,
        "result": result,
        "reference": bounded_reference(reference),
        "emitted": [item.id for item in derived],
        "next_attempt_at": None,
        "finished_at": utcnow(),
    }

    def settle(connection: Connection) -> list[NewEvent] | None:
        if (
            _settle_in_doubt(
                connection,
                event_id,
                plugin,
                values,
                Outcome.CONFIRMED_BY_OPERATOR,
                "settled by an operator",
            )
            is None
        ):
            return None
        return store_derived(connection, derived)

    created = await store.transact(settle)
    if created is None:
        raise NotInDoubt(f"the {plugin} delivery of {event_id!r} was settled meanwhile")
    return created


async def release_in_doubt(store: Store, event_id: str, plugin: str) -> None:
    """An operator found nothing in the backend: queue the delivery to be sent again now."""
    values = {
        "state": DeliveryState.PENDING,
        "next_attempt_at": utcnow(),
        "failures": 0,
        "finished_at": None,
    }
    released = await store.transact(
        lambda connection: _settle_in_doubt(
            connection,
            event_id,
            plugin,
            values,
            Outcome.RELEASED_BY_OPERATOR,
            "released for another try",
        )
    )
    if released is None:
        raise NotInDoubt(f"the {plugin} delivery of {event_id!r} was settled meanwhile")
