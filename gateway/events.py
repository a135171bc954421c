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
            NewEvent(
                id=envelope["id"],
                type=emit.type,
                source=envelope["source"],
                subject=cause.subject,
                body_hash=canonical_hash(envelope),
                envelope=envelope,
                plugins=route(emit.type, envelope["data"]),
                received_at=now,
                cause_id=cause.id,
            )
        )
    return built
