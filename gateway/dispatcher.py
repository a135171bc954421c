"""Background delivery: one lane per enabled plugin.

Each lane claims only its own plugin's due deliveries, keeps at most
`concurrency` of them in flight, and has its own timeout, retry policy and
circuit breaker, so a slow or dead backend never delays another plugin.
Lanes sleep until woken (new work committed in this process), until their
next delivery comes due, or for `poll_interval` (work from other processes).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gateway.attempts import bounded_result, poisoned, retry_plan, settle_hint
from gateway.breaker import OPEN, CircuitBreaker
from gateway.config import PluginSettings
from gateway.errors import (
    ConfigurationError,
    GatewayError,
    OutcomeUnknownError,
    PermanentError,
    ThrottledError,
)
from gateway.events import derive_events
from gateway.logs import EVENT_ID, PLUGIN, mask
from gateway.metrics import Metrics
from gateway.plugin_api import Connector, DeliveryResult, Event
from gateway.plugin_kit.backend_calls import begin_attempt
from gateway.retry import with_connection_retries
from gateway.schemas import EventSchemas
from gateway.states import Outcome
from gateway.store import Store
from gateway.store.leases import (
    Claim,
    LeaseLost,
    claim_due,
    next_due_at,
    settle_failure,
    settle_success,
)
from gateway.store.models import utcnow
from gateway.tracing import attempt_span, current_traceparent

log = logging.getLogger("gateway.dispatcher")

LEASE_MARGIN = 5.0  # seconds a lease outlives the attempt timeout; settling takes milliseconds
#: seconds between a lane's looks for expired leases (a worker died mid-attempt): rare, and
#: a statement saved at every other claim
LEASE_CHECK_INTERVAL = 1.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class PluginLane:
    """Delivers one plugin's events."""

    def __init__(
        self,
        name: str,
        settings: PluginSettings,
        connector: Connector,
        *,
        store: Store,
        schemas: EventSchemas,
        route: Callable[[str, Mapping[str, Any]], list[str]],
        metrics: Metrics,
        notify: Callable[[Iterable[str]], None],
        poll_interval: float,
        worker: str,
        traced: bool = False,
    ) -> None:
        self.name = name
        self._traced = traced
        self.settings = settings
        self.connector = connector
        self.breaker = CircuitBreaker(settings.breaker)
        self._store = store
        self._schemas = schemas
        self._route = route
        self._metrics = metrics
        self._notify = notify
        self._poll = poll_interval
        self._worker = worker
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._lease_check_at = 0.0  # time.monotonic() of the next look for expired leases

    @property
    def lease_seconds(self) -> float:
        return self.settings.timeout + LEASE_MARGIN

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"lane-{self.name}")

    async def stop(self, grace: float) -> None:
        """Stop claiming; let attempts in flight finish for `grace` seconds, then interrupt them."""
        self._stopping = True
        self._wake.set()
        if self._task:
            await self._task
        if self._in_flight:
            _done, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def _run(self) -> None:
        db_failures = 0
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self._fill()
                db_failures = 0
            except Exception:
                db_failures += 1
                delay = min(30.0, 0.5 * 2**db_failures)
                log.exception("lane %s: store unavailable, retrying in %.1fs", self.name, delay)
            if delay > 0 and not self._stopping:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
                except TimeoutError:
                    pass

    async def _fill(self) -> float:
        """Claim and start what may run now; return how long to sleep."""
        self._metrics.set_breaker(self.name, self.breaker.state)
        room = self.breaker.allowance(len(self._in_flight), self.settings.concurrency)
        if 0 < room < self.settings.concurrency // 4 and self._in_flight:
            return self._poll  # refill by the quarter: a finishing attempt wakes us
        if room > 0:
            if look := (now := time.monotonic()) >= self._lease_check_at:
                self._lease_check_at = now + LEASE_CHECK_INTERVAL
            lease, worker = self.lease_seconds, self._worker
            claims = await claim_due(self._store, self.name, room, lease, worker, expired_too=look)
            for claim in claims:
                task = asyncio.create_task(
                    self._attempt(claim), name=f"delivery-{claim.delivery_id}"
                )
                self._in_flight.add(task)
                task.add_done_callback(self._finished)
            if len(claims) == room:
                return 0.0  # there may be more due right now
        if self.breaker.state == OPEN:
            return max(0.05, min(self.breaker.remaining(), self._poll * 10))
        if len(self._in_flight) >= self.settings.concurrency or room == 0:
            return self._poll  # a finishing attempt wakes us sooner
        due = await next_due_at(self._store, self.name)
        if due is None:
            return self._poll
        return max(0.0, min(self._poll, (due - utcnow()).total_seconds()))

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def _attempt(self, claim: Claim) -> None:
        EVENT_ID.set(claim.event_id)  # this task's log lines say which event and plugin
        PLUGIN.set(self.name)
        if not self._traced:
            await self._deliver(claim)
            return
        with attempt_span(claim.traceparent, self.name, claim.event_id, claim.attempt) as span:
            span.set_attribute("gateway.outcome", await self._deliver(claim))

    async def _deliver(self, claim: Claim) -> Outcome:
        """One attempt, settled in the store whatever happens; how it ended."""
        started = time.perf_counter()
        outcome = Outcome.SUCCEEDED
        calls = begin_attempt()
        try:
            if claim.envelope is None:
                raise PermanentError(
                    "the event's payload was purged by retention; it cannot be delivered"
                )
            event = Event.from_envelope(claim.envelope)
            async with asyncio.timeout(self.settings.timeout):
                answer = await with_connection_retries(lambda: self.connector.deliver(event))
            if not isinstance(answer, DeliveryResult):
                raise PermanentError(
                    f"plugin {self.name!r} returned {type(answer).__name__}, not DeliveryResult"
                )
            derived = derive_events(
                event,
                self.name,
                answer.emit,
                self._schemas,
                self._route,
                utcnow(),
                # what it derives continues this attempt's trace (or the event's, untraced)
                current_traceparent() if self._traced else claim.traceparent,
            )
            created = await settle_success(
                self._store,
                claim,
                bounded_result(answer.result),
                derived,
                reference=answer.reference,
            )
            self.breaker.record_success()
            for item in created:
                self._metrics.accepted(item.type)
            self._notify({plugin for item in created for plugin in item.plugins})
        except asyncio.CancelledError:
            outcome = Outcome.INTERRUPTED
            await asyncio.shield(
                self._fail(claim, outcome, "Interrupted", "stopped during shutdown", wait=0.0)
            )
            raise
        except LeaseLost:
            outcome = Outcome.LEASE_LOST
            log.warning(
                "lane %s: delivery %s was reclaimed by another worker", self.name, claim.delivery_id
            )
        except ThrottledError as exc:
            outcome = Outcome.THROTTLED
            wait = min(exc.retry_after, self.settings.max_throttle)
            self.breaker.pause(wait, f"throttled: {exc.message}")
            await self._fail(claim, outcome, type(exc).__name__, exc.message, wait=wait)
        except OutcomeUnknownError as exc:
            outcome = exc.kind
            await self._fail(
                claim, outcome, type(exc).__name__, settle_hint(exc.message, claim), dead=True
            )
        except PermanentError as exc:
            outcome = exc.kind
            await self._fail(claim, outcome, type(exc).__name__, exc.message, dead=True)
            if isinstance(exc, ConfigurationError):
                self.breaker.record_failure(exc.message)
        except TimeoutError:
            outcome = Outcome.TIMEOUT
            if calls.called:
                self.breaker.record_failure("timeouts")
            await self._fail(
                claim, outcome, "TimeoutError", f"no answer within {self.settings.timeout:g}s"
            )
        except Exception as exc:
            message = (
                exc.message if isinstance(exc, GatewayError) else str(exc) or type(exc).__name__
            )
            if poisoned(exc, calls.called):
                # the plugin failed on the event itself: retrying cannot help, the backend is not to blame
                outcome = Outcome.PERMANENT
                message = (
                    f"the plugin could not handle this event before calling its backend: {message}"
                )
                await self._fail(claim, outcome, type(exc).__name__, message, dead=True)
            else:
                outcome = Outcome.TRANSIENT
                if calls.called:
                    self.breaker.record_failure(message)
                await self._fail(claim, outcome, type(exc).__name__, message)
        finally:
            self._metrics.attempt_done(self.name, outcome, time.perf_counter() - started)
            self._metrics.set_breaker(self.name, self.breaker.state)
        return outcome

    async def _fail(
        self,
        claim: Claim,
        outcome: Outcome,
        error_class: str,
        message: str,
        *,
        dead: bool = False,
        wait: float | None = None,
    ) -> None:
        """Record a failed attempt: dead, or retried after `wait` seconds (not counted), or by the schedule."""
        counts = wait is None
        retry_at, message = retry_plan(
            self.settings.retry, claim, message, utcnow(), dead=dead, wait=wait
        )
        # personal data is masked before it is stored; an in-doubt hint is the plugin's own
        # words for a clerk's search (a Message-ID looks like an address) and masked by it
        kept = (message if outcome == Outcome.OUTCOME_UNKNOWN else mask(message))[:2000]
        try:
            await settle_failure(
                self._store,
                claim,
                outcome=outcome,
                error_class=error_class,
                message=kept,
                retry_at=retry_at,
                counts=counts,
            )
        except LeaseLost:
            log.warning(
                "lane %s: delivery %s was reclaimed before its failure was recorded",
                self.name,
                claim.delivery_id,
            )
        level = logging.ERROR if retry_at is None else logging.WARNING
        log.log(
            level,
            "lane %s: event %s attempt %s %s: %s",
            self.name,
            claim.event_id,
            claim.attempt,
            outcome,
            kept,
        )


class Dispatcher:
    """All lanes of one gateway process."""

    def __init__(self, lanes: dict[str, PluginLane]) -> None:
        self.lanes = lanes

    def notify(self, plugins: Iterable[str]) -> None:
        for plugin in plugins:
            lane = self.lanes.get(plugin)
            if lane is not None:
                lane.wake()

    def start(self) -> None:
        for lane in self.lanes.values():
            lane.start()

    async def stop(self, grace: float = 10.0) -> None:
        await asyncio.gather(*(lane.stop(grace) for lane in self.lanes.values()))

    def breakers(self) -> dict[str, dict[str, Any]]:
        return {
            name: {
                "state": lane.breaker.state,
                "reason": lane.breaker.reason,
                "retry_in": round(lane.breaker.remaining(), 1),
            }
            for name, lane in self.lanes.items()
        }
