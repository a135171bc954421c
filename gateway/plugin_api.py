"""The one door from a plugin into the core: everything a plugin may use, and nothing else.

A plugin imports only this module (a test fails on any other `gateway.*`
import under plugins/); `__all__` is pinned by a test, so the surface
changes only on purpose. What is here:

- hooks: `hookimpl`;
- settings: `PluginSettings`, the base of a plugin's `[plugins.NAME]` model, and
  `config_relative` (a path in it read from the config file's folder);
- errors, which decide what happens to a delivery: `GatewayError` and its
  kinds `TransientError` (`ConnectionFailed`), `PermanentError`
  (`ConfigurationError`, `NotFoundError`, `InvalidInputError`),
  `ThrottledError`, `OutcomeUnknownError`;
- what flows: `Event` in; `DeliveryResult` with `Emit`s out; `Lookup`,
  `Health`/`HealthCheck`; the `Connector` and `SettlesByHand` protocols,
  with `ConfirmField`, the facts the console's confirm form asks for; `Mailer`,
  a connector that sends the gateway's own mail (the daily digest);
  `PluginContext`, what a plugin is built with, and `RequestType`, an entry of
  the catalogue it carries;
- storage the core lends a plugin: the `Cache` and `SendRecords` protocols,
  and `SendLog` (`SENDING`, `DONE`) over the latter;
- backend calls: `backend_client` (httpx with an answer cap, `AnswerTooLarge`,
  redirects off, `is_redirect`), `settings_client` (the same from a plugin's settings),
  `BackendSession` and `BackendAnswer` (aiohttp under the same rules, for a backend
  called at volume), `mark_backend_call` (any other protocol),
  `retry_after_seconds` (a `Retry-After` read safely);
- tracing: `backend_span` (a client span around a call that is not HTTP, e.g.
  SMTP; HTTP calls through `backend_client` get theirs), `current_traceparent`;
- helpers: `SoapService`, `last_status` (SOAP), `http_failures_as` (httpx),
  `http_refusal` and `backend_message` (a REST backend's 4xx/5xx, in its own words),
  `RestBackend` (a REST backend behind a bearer token: client, refusals, health),
  `signed_headers` (Standard Webhooks), `mask` (personal data in logs),
  `normalize_afm`, `afm_problem`, `normalize_rf`, `rf_problem`, `rf_for`;
- the payment ledger a back office offers reconciliation: `PaymentLedger`, `LedgerEntry`;
- `MockServer`, what `gateway_mock` returns.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from gateway.config import PluginSettings
from gateway.config_sections import config_relative
from gateway.domain.afm import afm_problem, normalize_afm
from gateway.domain.rf import normalize_rf, rf_for, rf_problem
from gateway.errors import (
    ConfigurationError,
    ConnectionFailed,
    GatewayError,
    InvalidInputError,
    NotFoundError,
    OutcomeUnknownError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from gateway.hookspecs import hookimpl
from gateway.logs import mask
from gateway.plugin_kit.backend_calls import mark_backend_call
from gateway.plugin_kit.http_client import (
    AnswerTooLarge,
    backend_client,
    first_bytes,
    is_redirect,
    settings_client,
)
from gateway.plugin_kit.http_errors import http_failures_as
from gateway.plugin_kit.http_refusals import backend_message, http_refusal
from gateway.plugin_kit.http_session import BackendAnswer, BackendSession
from gateway.plugin_kit.rest_backend import Health, RestBackend
from gateway.plugin_kit.retry_after import retry_after_seconds
from gateway.plugin_kit.send_log import DONE, SENDING, SendLog
from gateway.plugin_kit.soap import SoapService, last_status
from gateway.plugin_kit.storage import Cache, SendRecords
from gateway.plugin_kit.tracing import backend_span, current_traceparent
from gateway.request_types import BUILT_IN as _BUILT_IN
from gateway.request_types import RequestType
from gateway.signature import signed_headers

__all__ = [
    "DONE",
    "SENDING",
    "AnswerTooLarge",
    "BackendAnswer",
    "BackendSession",
    "Cache",
    "ConfigurationError",
    "ConfirmField",
    "ConnectionFailed",
    "Connector",
    "DeliveryResult",
    "Emit",
    "Event",
    "GatewayError",
    "Health",
    "HealthCheck",
    "InvalidInputError",
    "LedgerEntry",
    "Lookup",
    "LookupHandler",
    "Mailer",
    "MockServer",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentLedger",
    "PermanentError",
    "PluginContext",
    "PluginSettings",
    "RequestType",
    "RestBackend",
    "SendLog",
    "SendRecords",
    "SettlesByHand",
    "SoapService",
    "ThrottledError",
    "TransientError",
    "afm_problem",
    "backend_client",
    "backend_message",
    "backend_span",
    "config_relative",
    "current_traceparent",
    "first_bytes",
    "hookimpl",
    "http_failures_as",
    "http_refusal",
    "is_redirect",
    "last_status",
    "mark_backend_call",
    "mask",
    "normalize_afm",
    "normalize_rf",
    "retry_after_seconds",
    "rf_for",
    "rf_problem",
    "settings_client",
    "signed_headers",
]


_CORE_ATTRIBUTES = frozenset(
    ("specversion", "id", "source", "type", "data", "subject", "time", "datacontenttype")
)


@dataclass(frozen=True)
class Event:
    """One CloudEvent as the plugin receives it."""

    id: str
    type: str
    source: str
    data: Mapping[str, Any]
    subject: str | None = None
    time: str | None = None
    #: `dataschema` and CloudEvents extension attributes (`traceparent`, `partitionkey`, ...)
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any]) -> Event:
        return cls(
            id=envelope["id"],
            type=envelope["type"],
            source=envelope["source"],
            data=envelope.get("data") or {},
            subject=envelope.get("subject"),
            time=envelope.get("time"),
            extensions={k: v for k, v in envelope.items() if k not in _CORE_ATTRIBUTES},
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
    """What a successful delivery hands back: a JSON-able result and derived events.

    `reference` is the backend's own identifier of what was done (a protocol
    number, a receipt number): kept beside the result, indexed, so staff find
    the event by it in the console.
    """

    result: Mapping[str, Any] | None = None
    emit: list[Emit] = field(default_factory=list)
    reference: str | None = None


@runtime_checkable
class Connector(Protocol):
    """The plugin's I/O object; the core calls it once per attempt, under its own timeout."""

    async def deliver(self, event: Event) -> DeliveryResult: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class ConfirmField:
    """One fact an operator types when confirming a delivery in doubt (the console's form).

    A connector that settles by hand lists them as `confirm_fields`; `kind` is
    "text" or "date" (ISO, YYYY-MM-DD); the labels are Greek and English.
    """

    name: str
    label_el: str
    label_en: str
    kind: str = "text"


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


@runtime_checkable
class Mailer(Protocol):
    """A connector that also sends the gateway's own mail (the daily digest) with its settings."""

    async def send_text(self, to: Sequence[str], subject: str, text: str) -> None: ...


LookupHandler = Callable[[str, Mapping[str, str]], Awaitable[Mapping[str, Any]]]
HealthCheck = Callable[[], Awaitable[Health]]


@dataclass(frozen=True)
class Lookup:
    """A synchronous read the portal may make: served at `GET /v1/lookups/{name}/{key}`.

    A key that belongs to something else (an application in a competition)
    takes a `scope`, so each part is a path segment of its own and either may
    hold a "/" (percent-encoded).
    """

    name: str
    handler: LookupHandler
    description: str = ""
    #: a path segment before the key, for `GET /v1/lookups/{name}/{scope}/{key}` (e.g.
    #: "competition"): the handler finds it in its query under this name, which wins over
    #: a query parameter of the same name
    scope: str | None = None


@dataclass(frozen=True)
class PluginContext:
    """Everything the core hands a plugin when it is built."""

    name: str
    settings: PluginSettings
    contracts_dir: Path
    logger: logging.Logger
    #: the plugin's namespace of the gateway's lookup cache (None outside a running gateway, e.g. `gateway mocks`)
    cache: Cache | None = None
    #: the plugin's namespace of the gateway's send log, for `SendLog` (None outside a running gateway)
    send_records: SendRecords | None = None
    #: the portal's catalogue of request types (`[request_types]`): names in both languages, departments
    request_types: Mapping[str, RequestType] = field(default_factory=lambda: dict(_BUILT_IN))


@dataclass(frozen=True)
class LedgerEntry:
    """One payment as the back office holds it (amounts as 2-place decimal strings)."""

    payment_id: str
    receipt_number: str
    rf_code: str
    amount: str
    channel: str
    paid_at: str


@runtime_checkable
class PaymentLedger(Protocol):
    """What a back office offers the daily reconciliation: the payments it holds for a day."""

    async def payments_on(self, day: date) -> list[LedgerEntry]: ...


@runtime_checkable
class MockServer(Protocol):
    """A mock backend `gateway mocks` starts at the plugin's `url` (build it on `mocks.base.MockBackend`)."""

    @property
    def url(self) -> str:
        """Where it listens (after `start`, with the port it was given)."""
        ...

    async def start(self) -> str: ...

    async def stop(self) -> None: ...
