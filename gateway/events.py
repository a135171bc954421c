"""Building stored events: the idempotency hash, and events a plugin derives."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import orjson

from gateway.errors import PermanentError
from gateway.plugin_api import Emit, Event
from gateway.schemas import EventSchemas
from gateway.store.accept import NewEvent


def canonical_hash(document: Mapping[str, Any]) -> str:
    """Same JSON content, same hash, whatever the key order or spacing the portal used."""
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


#: only derived ids hold it; intake refuses a portal id that does, so the two never collide
DERIVED_MARK = "~"


def stored_event(
    envelope: dict[str, Any],
    plugins: list[str],
    received_at: datetime,
    *,
    cause_id: str | None = None,
    envelope_json: str | None = None,
    traceparent: str | None = None,
) -> NewEvent:
    """An event as the store takes it: its columns read from the envelope, its hash computed."""
    return NewEvent(
        id=envelope["id"],
        type=envelope["type"],
        source=envelope["source"],
        subject=envelope.get("subject"),
        body_hash=canonical_hash(envelope),
        envelope=envelope,
        plugins=plugins,
        received_at=received_at,
        cause_id=cause_id,
        envelope_json=envelope_json,
        traceparent=traceparent,
    )


def derived_id(cause_id: str, plugin: str, index: int) -> str:
    """Deterministic, so the same cause always derives the same ids: `{cause}~{plugin}[~{n}]`."""
    candidate = f"{cause_id}{DERIVED_MARK}{plugin}" + (f"{DERIVED_MARK}{index}" if index else "")
    if len(candidate) <= 128:
        return candidate
    return f"{DERIVED_MARK}{hashlib.sha256(candidate.encode()).hexdigest()[:40]}"


def derive_events(
    cause: Event,
    plugin: str,
    emits: list[Emit],
    schemas: EventSchemas,
    route: Callable[[str, Mapping[str, Any]], list[str]],
    now: datetime,
    traceparent: str | None = None,
) -> list[NewEvent]:
    """Envelope, validate and route what a plugin emitted; an invalid one is the plugin's fault."""
    built = []
    for index, emit in enumerate(emits):
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": derived_id(cause.id, plugin, index),
            "source": f"/gateway/plugins/{plugin}",
            "type": emit.type,
            "time": now.isoformat(),
            "datacontenttype": "application/json",
            "data": dict(emit.data),
        }
        if cause.subject:
            envelope["subject"] = cause.subject
        problems = schemas.validate(envelope)
        if problems:
            detail = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
            raise PermanentError(
                f"plugin {plugin!r} emitted an invalid {emit.type} event: {detail}"
            )
        built.append(
            stored_event(
                envelope,
                route(emit.type, envelope["data"]),
                now,
                cause_id=cause.id,
                traceparent=traceparent,
            )
        )
    return built
