"""Traces from the portal's request to every backend call, kept across restarts.

The W3C trace context comes from the request's `traceparent` header, or from
the CloudEvents distributed-tracing attribute `traceparent` in the event.
Intake's span is stored with the event (`events.traceparent`), so every
attempt, in any process and after a restart, is a child of it; an attempt's
span is stored with the events it derives, so the citizen's e-mail sits in
the same trace as the portal's POST. OpenTelemetry's provider is
process-wide: the first app with `[telemetry] enabled` installs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind

from gateway import logs
from gateway.config import TelemetrySection
from gateway.plugin_kit.tracing import PROPAGATOR, current_traceparent, tracer

__all__ = ["attempt_span", "current_traceparent", "install", "intake_span"]

_installed: dict[str, Any] = {"provider": None, "exporters": set()}


def _exporter(section: TelemetrySection) -> SpanExporter | None:
    if section.exporter == "console":
        return ConsoleSpanExporter()
    if section.exporter == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found,unused-ignore]
                OTLPSpanExporter,
            )
        except ImportError:
            raise RuntimeError(
                'exporter = "otlp" needs the otlp extra: pip install "municipal-gateway[otlp]"'
            ) from None
        return OTLPSpanExporter(endpoint=section.otlp_endpoint)
    return None  # "none": spans and context, nothing sent anywhere


def install(section: TelemetrySection, extra: SpanExporter | None = None) -> bool:
    """Install the process's tracer provider (once) and the configured exporter; False when off."""
    if not section.enabled:
        return False
    provider = _installed["provider"]
    if provider is None:
        provider = TracerProvider(resource=Resource.create({"service.name": section.service_name}))
        trace.set_tracer_provider(provider)
        _installed["provider"] = provider
        logs.trace_ids = _current_ids
    exporters: set[Any] = _installed["exporters"]
    for exporter in (_exporter(section), extra):
        key = exporter if extra is exporter else (section.exporter, section.otlp_endpoint)
        if exporter is not None and key not in exporters:
            provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=200))
            exporters.add(key)
    return True


def flush() -> None:
    provider = _installed["provider"]
    if provider is not None:
        provider.force_flush()


def _current_ids() -> tuple[str, str] | None:
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def _parent(traceparent: str | None) -> Context | None:
    return PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None


def incoming(headers: Mapping[str, str], event: Mapping[str, Any]) -> str | None:
    """The portal's trace context: the HTTP header first, else the CloudEvent's attribute."""
    for found in (headers.get("traceparent"), event.get("traceparent")):
        if isinstance(found, str) and len(found) <= 64 and found.isascii():
            return found
    return None


@contextlib.contextmanager
def intake_span(traceparent: str | None, event_id: str, event_type: str) -> Iterator[Span]:
    with tracer().start_as_current_span(
        "POST /v1/events",
        context=_parent(traceparent),
        kind=SpanKind.SERVER,
        attributes={"cloudevents.event_id": event_id, "cloudevents.event_type": event_type},
    ) as span:
        yield span


@contextlib.contextmanager
def attempt_span(
    traceparent: str | None, plugin: str, event_id: str, attempt: int
) -> Iterator[Span]:
    """One delivery attempt, a child of the event's stored trace context; set its outcome."""
    with tracer().start_as_current_span(
        f"deliver {plugin}",
        context=_parent(traceparent),
        kind=SpanKind.CONSUMER,
        attributes={
            "gateway.plugin": plugin,
            "gateway.attempt": attempt,
            "cloudevents.event_id": event_id,
        },
    ) as span:
        yield span
