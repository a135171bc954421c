"""Operators settle a delivery in doubt (`outcome_unknown`): confirm what the backend did, or release it.

Shared by the HTTP API and the CLI, so both check and record the same way.
The plugin's connector turns the operator's facts into the result and the
derived events a successful attempt would have given, so the rest of the
chain (e.g. the citizen's e-mail with the protocol number) still happens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.events import derive_events
from gateway.plugin_api import Connector, Event, SettlesByHand
from gateway.schemas import EventSchemas
from gateway.store import Store
from gateway.store.accept import NewEvent
from gateway.store.models import utcnow
from gateway.store.repair import (
    NoSuchDelivery,
    NotInDoubt,
    find_in_doubt,
    release_in_doubt,
    settle_by_hand,
)

__all__ = ["CannotSettle", "NoSuchDelivery", "NotInDoubt", "confirm", "release"]


class CannotSettle(Exception):
    """The plugin offers no way to settle by hand, or the event's payload is gone."""


def _settler(plugin: str, connector: Connector | None) -> SettlesByHand:
    if connector is None:
        raise CannotSettle(f"plugin {plugin!r} is not enabled in this gateway's config")
    if not isinstance(connector, SettlesByHand):
        raise CannotSettle(f"plugin {plugin!r} cannot be settled by hand")
    return connector


def _event(envelope: dict[str, Any] | None, event_id: str) -> Event:
    if envelope is None:
        raise CannotSettle(f"the payload of {event_id!r} was purged by retention")
    return Event.from_envelope(envelope)


async def confirm(
    store: Store,
    plugin: str,
    connector: Connector | None,
    event_id: str,
    facts: Mapping[str, Any],
    schemas: EventSchemas,
    route: Callable[[str, Mapping[str, Any]], list[str]],
) -> tuple[dict[str, Any] | None, list[NewEvent]]:
    """Mark the delivery succeeded with what the operator read in the backend.

    Returns the result and the derived events newly stored. Raises NotInDoubt,
    CannotSettle, or the plugin's InvalidInputError when the facts do not do.
    """
    found = await find_in_doubt(store, event_id, plugin)
    settler = _settler(plugin, connector)
    event = _event(found.envelope, event_id)
    answer = await settler.confirm(event, facts)
    derived = derive_events(event, plugin, answer.emit, schemas, route, utcnow())
    result = dict(answer.result) if answer.result is not None else None
    created = await settle_by_hand(
        store, event_id, plugin, result, derived, reference=answer.reference
    )
    return result, created


async def release(store: Store, plugin: str, connector: Connector | None, event_id: str) -> None:
    """The operator found nothing in the backend: the plugin forgets its doubt, the delivery is due now."""
    found = await find_in_doubt(store, event_id, plugin)
    settler = _settler(plugin, connector)
    await settler.release(_event(found.envelope, event_id))
    await release_in_doubt(store, event_id, plugin)
