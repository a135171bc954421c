"""What a plugin sees of the gateway: the event it gets, what it returns, what it registers.

Plugins import from here and from `gateway.errors`; nothing else in the core
is a promise to them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from gateway.config import PluginSettings

if TYPE_CHECKING:
    from gateway.store.cache import Cache


@dataclass(frozen=True)
class Event:
    """One CloudEvent as the plugin receives it."""

    id: str
    type: str
    source: str
    data: Mapping[str, Any]
    subject: str | None = None
    time: str | None = None

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> Event:
        return cls(
            id=envelope["id"],
            type=envelope["type"],
            source=envelope["source"],
            data=envelope.get("data") or {},
            subject=envelope.get("subject"),
            time=envelope.get("time"),
        )

    def idempotency_key(self, plugin: str) -> str:
        """The reference a backend call carries, stable across retries and replays."""
        return f"{self.id}:{plugin}"


@dataclass(frozen=True)
class Emit:
    """A derived event a plugin asks the gateway to store and route."""

    type: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class DeliveryResult:
    """What a successful delivery hands back: a JSON-able result and derived events."""

    result: Mapping[str, Any] | None = None
    emit: list[Emit] = field(default_factory=list)


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


@runtime_checkable
class Connector(Protocol):
    """The plugin's I/O object; the core calls it once per attempt, under its own timeout."""

    async def deliver(self, event: Event) -> DeliveryResult: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SettlesByHand(Protocol):
    """A connector that can raise `OutcomeUnknownError` also lets an operator settle it.

    `confirm` turns what the operator read in the backend (e.g. the protocol
    number and date) into the result and derived events a successful attempt
    would have given; it raises `InvalidInputError` when the facts do not do.
    `release` forgets whatever made the plugin unsure, so the next attempt
    sends again: the operator has checked that the backend holds nothing.
    """

    async def confirm(self, event: Event, facts: Mapping[str, Any]) -> DeliveryResult: ...

    async def release(self, event: Event) -> None: ...


LookupHandler = Callable[[str, Mapping[str, str]], Awaitable[Mapping[str, Any]]]
HealthCheck = Callable[[], Awaitable[Health]]


@dataclass(frozen=True)
class Lookup:
    """A synchronous read the portal may make: served at `GET /v1/lookups/{name}/{key}`."""

    name: str
    handler: LookupHandler
    description: str = ""


@dataclass(frozen=True)
class PluginContext:
    """Everything the core hands a plugin when it is built."""

    name: str
    settings: PluginSettings
    contracts_dir: Path
    logger: logging.Logger
    #: the plugin's namespace of the gateway's lookup cache (None outside a running gateway, e.g. `gateway mocks`)
    cache: Cache | None = None
