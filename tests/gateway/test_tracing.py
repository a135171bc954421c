"""One trace from the portal's POST through the registry to the citizen's e-mail, and the
trace context carried out to the webhook receiver, kept by every later attempt."""

from __future__ import annotations

import copy
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway import tracing
from gateway.config import TelemetrySection
from gateway.devtools.stories import story_events
from gateway.signature import signed_headers
from tests.support.console import World, console_world

TRACED = {"telemetry": {"enabled": True, "exporter": "none"}}


@pytest.fixture(scope="module")
def exporter() -> InMemorySpanExporter:
    """The process's provider (OpenTelemetry allows one) gets an in-memory exporter, once."""
    found = InMemorySpanExporter()
    tracing.install(TelemetrySection(enabled=True), extra=found)
    return found


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    tracing.flush()
    exporter.clear()
    yield exporter


def new_traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def application(suffix: str) -> dict[str, Any]:
    event = copy.deepcopy(list(story_events())[1])  # a civil-registry certificate
    event["id"] = f"{event['id']}-{suffix}"
    event["data"]["request_id"] += f"-{suffix}"
    event["subject"] = f"request/{event['data']['request_id']}"
    return event


async def post(world: World, event: dict[str, Any], traceparent: str | None = None) -> None:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/cloudevents+json"}
    headers.update(signed_headers(world.env["GATEWAY_PORTAL_SECRET"], event["id"], body))
    if traceparent:
        headers["traceparent"] = traceparent
    answer = await world.portal.client.post(
        f"{world.base_url}/v1/events", content=body, headers=headers
    )
    assert answer.status_code == 202, answer.text


async def settled_chain(world: World, event_id: str) -> list[dict[str, Any]]:
    view = await world.portal.wait_settled(event_id)
    chain = [view]
    for delivery in view["deliveries"]:
        for derived in delivery["emitted"]:
            chain += await settled_chain(world, derived)
    return chain


async def replayed(world: World, event_id: str) -> list[str]:
    answer = await world.portal.client.post(
        f"{world.base_url}/v1/events/{event_id}/replay",
        headers={"Authorization": f"Bearer {world.env['GATEWAY_OPERATOR_TOKEN']}"},
    )
    found: list[str] = answer.json()["replayed"]
    return found


def of_trace(spans: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    tracing.flush()
    return [s for s in spans.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id]


def webhook_traceparents(world: World, event_id: str) -> list[tuple[str, str]]:
    """(header, CloudEvent attribute) of every delivery of `event_id` the receiver got."""
    found = []
    for request in world.mocks["webhook"].requests:
        if request.method == "POST" and event_id in request.body:
            body = json.loads(request.body)
            found.append((request.headers.get("traceparent", ""), body.get("traceparent", "")))
    return found


async def test_one_trace_from_the_post_through_the_registry_to_the_email(
    tmp_path: Path, database_url: str, spans: InMemorySpanExporter
) -> None:
    trace_id, traceparent = new_traceparent()
    event = application("trace")
    async with console_world(tmp_path, database_url, sections=TRACED) as world:
        await post(world, event, traceparent)
        chain = await settled_chain(world, event["id"])
        assert any(d["plugin"] == "email" for view in chain for d in view["deliveries"])
        found = of_trace(spans, trace_id)
        names = [s.name for s in found]
        for expected in (
            "POST /v1/events",
            "deliver protocol",
            "deliver webhook",
            "deliver email",
            "smtp send",
        ):
            assert expected in names, (expected, names)
        assert any(n.startswith("POST 127.0.0.1") for n in names), names  # ΙΡΙΔΑ's HTTP call
        intake = next(s for s in found if s.name == "POST /v1/events")
        assert format(intake.parent.span_id, "016x") == traceparent.split("-")[2]
        email = next(s for s in found if s.name == "deliver email")
        assert email.attributes["cloudevents.event_id"].endswith("~protocol")  # request.registered
        # from outside: the receiver got our trace, in the header and in the CloudEvent
        for header, attribute in webhook_traceparents(world, event["id"]):
            assert header.split("-")[1] == trace_id and attribute.split("-")[1] == trace_id


async def test_the_cloudevents_attribute_starts_the_trace_when_no_header_does(
    tmp_path: Path, sqlite_url: str, spans: InMemorySpanExporter
) -> None:
    trace_id, traceparent = new_traceparent()
    event = application("attr")
    event["traceparent"] = traceparent
    async with console_world(tmp_path, sqlite_url, sections=TRACED) as world:
        await post(world, event)
        await settled_chain(world, event["id"])
        assert "deliver protocol" in [s.name for s in of_trace(spans, trace_id)]


async def test_a_later_attempt_continues_the_same_trace(
    tmp_path: Path, database_url: str, spans: InMemorySpanExporter
) -> None:
    trace_id, traceparent = new_traceparent()
    event = application("later")
    async with console_world(tmp_path, database_url, sections=TRACED) as world:
        world.mocks["webhook"].set_faults(fail_next=100, error_status=400)
        await post(world, event, traceparent)
        await settled_chain(world, event["id"])
        world.mocks["webhook"].set_faults()
        assert await replayed(world, event["id"]) == ["webhook"]
        await world.portal.wait_settled(event["id"])
        attempts = [
            s
            for s in of_trace(spans, trace_id)
            if s.name == "deliver webhook" and s.attributes["cloudevents.event_id"] == event["id"]
        ]
        assert [s.attributes["gateway.outcome"] for s in attempts] == ["permanent", "succeeded"]
        received = webhook_traceparents(world, event["id"])
        assert received and all(h.split("-")[1] == trace_id for h, _ in received)


async def test_without_telemetry_nothing_is_traced_and_intake_stores_the_portals_context(
    tmp_path: Path, sqlite_url: str, spans: InMemorySpanExporter
) -> None:
    trace_id, traceparent = new_traceparent()
    event = application("off")
    async with console_world(tmp_path, sqlite_url) as world:
        await post(world, event, traceparent)
        await settled_chain(world, event["id"])
        names = [s.name for s in of_trace(spans, trace_id)]
        assert "POST /v1/events" not in names and not any(n.startswith("deliver") for n in names)


async def test_an_attempt_after_a_restart_continues_the_trace_of_the_portals_post(
    tmp_path: Path, database_url: str, spans: InMemorySpanExporter
) -> None:
    trace_id, traceparent = new_traceparent()
    event = application("restart")
    async with console_world(tmp_path / "before", database_url, sections=TRACED) as world:
        world.mocks["webhook"].set_faults(fail_next=100, error_status=400)
        await post(world, event, traceparent)
        await settled_chain(world, event["id"])
    tracing.flush()  # spans of the first process still in the batch would land after clear()
    spans.clear()
    # a new process on the same database, with mocks of its own
    async with console_world(tmp_path / "after", database_url, sections=TRACED) as world:
        assert "webhook" in await replayed(world, event["id"])
        await world.portal.wait_settled(event["id"])
        after = [s.name for s in of_trace(spans, trace_id)]
        assert "deliver webhook" in after and "POST /v1/events" not in after
        assert all(h.split("-")[1] == trace_id for h, _ in webhook_traceparents(world, event["id"]))


async def test_a_malformed_trace_context_starts_a_trace_of_its_own_and_is_never_sent_on(
    tmp_path: Path, sqlite_url: str, spans: InMemorySpanExporter
) -> None:
    bad_headers = ["garbage", "00-" + "0" * 32 + "-" + "0" * 16 + "-01", "00-" + "a" * 200, "ü"]
    async with console_world(tmp_path, sqlite_url, sections=TRACED) as world:
        for number, header in enumerate(bad_headers):
            event = application(f"bad{number}")
            event["traceparent"] = 12345  # an integer attribute: valid CloudEvents, not a context
            await post(world, event, header if header.isascii() else None)
            await settled_chain(world, event["id"])
            for sent_header, attribute in webhook_traceparents(world, event["id"]):
                # the receiver gets a well-formed context of the gateway's own, never the input
                version, trace_id, span_id, _flags = sent_header.split("-")
                assert (version, len(trace_id), len(span_id)) == ("00", 32, 16)
                assert trace_id != "0" * 32 and header not in sent_header
                assert attribute.split("-")[1] == trace_id  # the same trace in the CloudEvent
