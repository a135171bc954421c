"""POST /v1/events through the real HTTP stack: every bad input gets its problem and stores nothing."""

import json
import time

import pytest

from gateway import appkeys
from gateway.signature import signed_headers
from gateway.store import views
from tests.support.events import example
from tests.support.settings import OLD_SECRET, SECRET, build_settings
from tests.support.store import refusing_inserts


@pytest.fixture
async def gateway(start_gateway, database_url: str, receiver):  # type: ignore[no-untyped-def]
    settings = build_settings(
        database_url,
        plugins={"webhook": {"url": receiver.url + "/events"}},
        routes=[{"type": "request.submitted", "plugins": ["webhook"]}],
        max_body_bytes=4096,
    )
    return await start_gateway(settings)


async def _stored_count(app) -> int:  # type: ignore[no-untyped-def]
    page = await views.list_events(app[appkeys.STORE], limit=500)
    return len(page["items"])


async def _raw_post(portal, body: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return await portal.client.post(f"{portal.base_url}/v1/events", content=body, headers=headers)


async def test_accepted_event_is_stored_with_its_deliveries(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    response = await portal.post_event(event)
    assert response.status_code == 202
    assert response.json() == {
        "id": event["id"],
        "status_url": f"/v1/events/{event['id']}",
        "deliveries": ["webhook"],
    }
    view = await views.event_view(app[appkeys.STORE], event["id"])
    assert view is not None and [d["plugin"] for d in view["deliveries"]] == ["webhook"]


async def test_unrouted_portal_type_is_accepted_with_no_deliveries(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    response = await portal.post_event(example("payment.failed"))
    assert response.status_code == 202
    assert response.json()["deliveries"] == []


async def test_idempotency(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    first = await portal.post_event(event)
    # same content, other key order and spacing: still the same event
    reordered = dict(reversed(list(event.items())))
    again = await portal.post_event(reordered)
    assert again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    changed = {**event, "data": {**event["data"], "subject": "something else"}}
    conflict = await portal.post_event(changed)
    assert conflict.status_code == 409
    assert conflict.headers["Content-Type"].startswith("application/problem+json")
    assert await _stored_count(app) == 1


async def test_concurrent_duplicates_store_one(gateway) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    portal, app = gateway
    event = example("request.submitted")
    answers = await asyncio.gather(*(portal.post_event(event) for _ in range(20)))
    assert {a.status_code for a in answers} == {202}
    assert sum(1 for a in answers if "Idempotent-Replayed" not in a.headers) == 1
    assert await _stored_count(app) == 1


async def test_rotated_secret_is_accepted(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    event = example("request.submitted")
    body = json.dumps(event).encode()
    response = await _raw_post(
        portal, body, {"Content-Type": "application/json", **signed_headers(OLD_SECRET, "m1", body)}
    )
    assert response.status_code == 202


def _signed(body: bytes, **extra: str) -> dict[str, str]:
    return {
        "Content-Type": "application/cloudevents+json",
        **signed_headers(SECRET, "m1", body),
        **extra,
    }


GOOD = json.dumps(example("request.submitted", id="evt-bad-input")).encode()


def _bad_event(**changes):  # type: ignore[no-untyped-def]
    return json.dumps(example("request.submitted", id="evt-bad-input", **changes)).encode()


BAD_INPUTS = {
    "malformed json": (b'{"id": ', _signed(b'{"id": '), 400, "malformed-json"),
    "not utf-8": (b'{"id": "\xff"}', _signed(b'{"id": "\xff"}'), 400, "malformed-json"),
    "json array": (b"[1, 2]", _signed(b"[1, 2]"), 400, "not-an-object"),
    "json string": (b'"hello"', _signed(b'"hello"'), 400, "not-an-object"),
    "wrong content type": (
        GOOD,
        _signed(GOOD, **{"Content-Type": "text/plain"}),
        415,
        "unsupported-media-type",
    ),
    "form content type": (
        GOOD,
        _signed(GOOD, **{"Content-Type": "application/x-www-form-urlencoded"}),
        415,
        "unsupported-media-type",
    ),
    "missing signature": (GOOD, {"Content-Type": "application/json"}, 401, "invalid-signature"),
    "tampered body": (GOOD + b" ", {**_signed(GOOD)}, 401, "invalid-signature"),
    "old timestamp": (
        GOOD,
        {
            "Content-Type": "application/json",
            **signed_headers(SECRET, "m1", GOOD, int(time.time()) - 600),
        },
        401,
        "invalid-signature",
    ),
    "future timestamp": (
        GOOD,
        {
            "Content-Type": "application/json",
            **signed_headers(SECRET, "m1", GOOD, int(time.time()) + 600),
        },
        401,
        "invalid-signature",
    ),
    "unknown type": (_bad_event(type="request.exploded"), None, 422, "unknown-type"),
    "derived type": (
        json.dumps(example("request.registered", id="evt-bad-input")).encode(),
        None,
        422,
        "not-a-portal-event",
    ),
    "schema violation": (_bad_event(specversion="2.0"), None, 422, "schema-violation"),
    "bad afm": (
        _bad_event(data={"citizen": {"afm": "123456781", "full_name": "A", "email": "a@b.gr"}}),
        None,
        422,
        "schema-violation",
    ),
    "too large": (_bad_event(data={"description": "x" * 5000}), None, 413, "too-large"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
async def test_bad_input_gets_a_problem_and_stores_nothing(gateway, case: str) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    body, headers, status, slug = BAD_INPUTS[case]
    response = await _raw_post(portal, body, headers or _signed(body))
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}"
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert await _stored_count(app) == 0


async def test_schema_errors_list_json_paths(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    event = example("request.submitted")
    event["data"]["citizen"]["afm"] = "123456781"
    event["data"]["locale"] = "fr"
    response = await portal.post_event(event)
    errors = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert errors["$.data.citizen.afm"] == "the ΑΦΜ check digit does not match"
    assert "$.data.locale" in errors


async def test_chunked_body_over_the_limit(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    body = _bad_event(data={"description": "x" * 5000})

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = await portal.client.post(
        f"{portal.base_url}/v1/events", content=chunks(), headers=_signed(body)
    )
    assert response.status_code == 413
    assert await _stored_count(app) == 0


async def test_unknown_path_and_method_are_problems(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    missing = await portal.client.get(f"{portal.base_url}/v2/nothing")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong = await portal.client.delete(f"{portal.base_url}/v1/events")
    assert wrong.status_code == 405 and "Allow" in wrong.headers


async def test_body_shorter_than_its_content_length(gateway, caplog) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    from urllib.parse import urlsplit

    portal, app = gateway
    parts = urlsplit(portal.base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    headers = "".join(f"{k}: {v}\r\n" for k, v in _signed(GOOD).items())
    writer.write(
        f"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: {len(GOOD) + 50}\r\n{headers}\r\n".encode()
        + GOOD
    )
    await writer.drain()
    writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    # the client hung up mid-body: the 400 may not reach it, but nothing is stored or crashes
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert await _stored_count(app) == 0
    assert "unhandled error" not in caplog.text


async def test_store_failure_is_a_503_and_nothing_accepted(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    async with refusing_inserts(app[appkeys.STORE], "events"):
        response = await portal.post_event(example("request.submitted"))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["type"] == "/problems/store-unavailable"
    assert await _stored_count(app) == 0
