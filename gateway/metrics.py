"""Prometheus metrics of one app, in its own registry (no process-wide state)."""

from __future__ import annotations

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
        self.events_accepted = Counter(
            "gateway_events_accepted",
            "Events accepted at intake, by type",
            ["type"],
            registry=self.registry,
        )
        self.events_rejected = Counter(
            "gateway_events_rejected",
            "Requests to POST /v1/events refused, by HTTP status",
            ["status"],
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

    def set_paused(self, plugin: str, paused: bool) -> None:
        self.plugin_paused.labels(plugin).set(1 if paused else 0)

    def set_backend_up(self, plugin: str, up: bool) -> None:
        self.backend_up.labels(plugin).set(1 if up else 0)

    def set_breaker(self, plugin: str, state: str) -> None:
        self.breaker_state.labels(plugin).set(BREAKER_VALUE[state])

    def render(self) -> bytes:
        return generate_latest(self.registry)
