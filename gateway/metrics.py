"""Prometheus metrics of one app, in its own registry (no process-wide state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from gateway.breaker import CLOSED, HALF_OPEN, OPEN
from gateway.states import DeliveryState

BREAKER_VALUE = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}
DELIVERY_STATES = tuple(DeliveryState)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._accepted: dict[str, Any] = {}
        # labelled children by their labels, looked up once: a delivery touches three
        self._attempts: dict[tuple[str, str], Any] = {}
        self._timers: dict[str, Any] = {}
        self._breakers: dict[str, str] = {}
        self.events_accepted = Counter(
            "gateway_events_accepted",
            "Events accepted at intake, by type",
            ["type"],
            registry=self.registry,
        )
        self.events_rejected = Counter(
            "gateway_events_rejected",
            "Requests to POST /v1/events refused, by HTTP status and reason (the problem type)",
            ["status", "reason"],
            registry=self.registry,
        )
        self.intake_seconds = Histogram(
            "gateway_intake_request_duration_seconds",
            "Time POST /v1/events took, from the request to its answer (the commit included)",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.pending = Gauge(
            "gateway_pending_deliveries",
            "Deliveries waiting or running, per plugin",
            ["plugin"],
            registry=self.registry,
        )
        self.oldest_pending = Gauge(
            "gateway_oldest_pending_age_seconds",
            "How long the oldest waiting delivery of the plugin has waited (0 when none waits)",
            ["plugin"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "gateway_dead_letters",
            "Dead deliveries a replay can fix, per plugin (in-doubt ones are counted apart)",
            ["plugin"],
            registry=self.registry,
        )
        self.in_doubt = Gauge(
            "gateway_in_doubt_deliveries",
            "Deliveries whose outcome is unknown, waiting for a person to check the backend",
            ["plugin"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "gateway_delivery_attempts",
            "Delivery attempts by plugin and outcome",
            ["plugin", "outcome"],
            registry=self.registry,
        )
        self.attempt_seconds = Histogram(
            "gateway_attempt_duration_seconds",
            "Time one delivery attempt took",
            ["plugin"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "gateway_deliveries",
            "Deliveries in the store by plugin and state",
            ["plugin", "state"],
            registry=self.registry,
        )
        self.breaker_state = Gauge(
            "gateway_breaker_state",
            "Circuit breaker per plugin: 0 closed, 1 half-open, 2 open",
            ["plugin"],
            registry=self.registry,
        )
        self.backend_up = Gauge(
            "gateway_backend_up",
            "1 when the plugin's backend answered its last health check (cached health_interval)",
            ["plugin"],
            registry=self.registry,
        )
        self.plugin_paused = Gauge(
            "gateway_plugin_paused",
            "1 while an operator has paused the plugin's deliveries",
            ["plugin"],
            registry=self.registry,
        )
        self.write_batch = Histogram(
            "gateway_write_batch_size",
            "Writes (accepted events, claims, settlements) per group commit",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=self.registry,
        )

    def accepted(self, event_type: str) -> None:
        """Count an accepted event (the labelled child is looked up once per type)."""
        child = self._accepted.get(event_type)
        if child is None:
            child = self._accepted[event_type] = self.events_accepted.labels(event_type)
        child.inc()

    def set_queue_depth(self, counts: dict[tuple[str, str], int], plugins: list[str]) -> None:
        for plugin in sorted({p for p, _ in counts} | set(plugins)):
            for state in DELIVERY_STATES:
                self.queue_depth.labels(plugin, state).set(counts.get((plugin, state), 0))

    def rejected(self, status: int, reason: str) -> None:
        self.events_rejected.labels(str(status), reason).inc()

    def set_queue_health(self, health: dict[str, Any], plugins: list[str], now: datetime) -> None:
        """Per plugin: pending, the oldest pending's age, dead letters, in doubt (views.QueueHealth)."""
        for plugin in plugins:
            found = health.get(plugin)
            oldest = found.oldest_pending if found is not None else None
            self.pending.labels(plugin).set(found.pending if found else 0)
            self.oldest_pending.labels(plugin).set(
                max(0.0, (now - oldest).total_seconds()) if oldest else 0
            )
            self.dead_letters.labels(plugin).set(found.dead if found else 0)
            self.in_doubt.labels(plugin).set(found.in_doubt if found else 0)

    def set_paused(self, plugin: str, paused: bool) -> None:
        self.plugin_paused.labels(plugin).set(1 if paused else 0)

    def set_backend_up(self, plugin: str, up: bool) -> None:
        self.backend_up.labels(plugin).set(1 if up else 0)

    def attempt_done(self, plugin: str, outcome: str, seconds: float) -> None:
        """Count a finished attempt by its outcome, and observe how long it took."""
        counter = self._attempts.get((plugin, outcome))
        if counter is None:
            counter = self._attempts[plugin, outcome] = self.deliveries.labels(plugin, outcome)
        counter.inc()
        timer = self._timers.get(plugin)
        if timer is None:
            timer = self._timers[plugin] = self.attempt_seconds.labels(plugin)
        timer.observe(seconds)

    def set_breaker(self, plugin: str, state: str) -> None:
        """The breaker's state, written only when it changes (lanes call this at every turn)."""
        if self._breakers.get(plugin) != state:
            self._breakers[plugin] = state
            self.breaker_state.labels(plugin).set(BREAKER_VALUE[state])

    def render(self) -> bytes:
        return generate_latest(self.registry)
