"""Issue 12: what a hostile or careless client sends gets a 4xx problem, never a 500, on both databases.

Each test names the finding it covers. They go through the real HTTP stack
of a running gateway, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from gateway import appkeys
from gateway.signature import sign, signed_headers
from gateway.store import views
from tests.support.events import example
from tests.support.settings import OPERATOR_TOKEN, PORTAL_TOKEN, SECRET, build_settings

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
PORTAL = {"Authorization": f"Bearer {PORTAL_TOKEN}"}


@pytest.fixture
async def gateway(start_gateway, database_url: str, receiver, genesis):  # type: ignore[no-untyped-def]
    settings = build_settings(
        database_url,
        plugins={
            "webhook": {"url": receiver.url + "/events"},
            "genesis": {"url": genesis.endpoint, "timeout": 2},
        },
        routes=[{"type": "request.submitted", "plugins": ["webhook"]}],
    )
    return await start_gateway(settings)


def _signed(body: bytes, msg_id: str = "evt-1", **header_changes: Any) -> dict[str, Any]:
    headers: dict[str, Any] = {"Content-Type": "application/cloudevents+json"}
    headers.update(signed_headers(SECRET, msg_id, body))
    headers.update(header_changes)
    return headers


async def _post(portal, body: bytes, headers: dict[str, Any]) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await portal.client.post(f"{portal.base_url}/v1/events", content=body, headers=headers)


def _is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


async def _stored(app) -> int:  # type: ignore[no-untyped-def]
    return len((await views.list_events(app[appkeys.STORE], limit=500))["items"])


# -- finding 5: malformed headers and parameters are 400s, not 500s -----------------------------


@pytest.mark.parametrize("stamp", ["²", "9" * 400, "12a", "1.5"])
async def test_finding5_malformed_timestamp_is_a_400(gateway, stamp: str) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    body = json.dumps(example("request.submitted")).encode()
    headers = _signed(body, **{"webhook-timestamp": stamp.encode("utf-8")})
    problem = _is_problem(await _post(portal, body, headers), 400)
    assert "webhook-timestamp" in problem["detail"]
    assert await _stored(app) == 0


async def test_finding5_byte_ff_in_webhook_id_is_a_400(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    body = json.dumps(example("request.submitted")).encode()
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/cloudevents+json",
        "webhook-id": b"evt-\xff",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(SECRET, "evt-x", stamp, body),
    }
    problem = _is_problem(await _post(portal, body, headers), 400)
    assert "webhook-id" in problem["detail"]


async def test_finding5_byte_ff_in_authorization_is_a_400(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    response = await portal.client.get(
        f"{portal.base_url}/v1/events", headers={"Authorization": b"Bearer \xff\xfe"}
    )
    _is_problem(response, 400)


async def test_finding5_json_nested_a_thousand_deep_is_a_400(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    event["data"]["extra"] = "@@"
    body = json.dumps(event).replace('"@@"', "[" * 995 + "1" + "]" * 995).encode()
    problem = _is_problem(await _post(portal, body, _signed(body, event["id"])), 400)
    assert problem["type"] == "/problems/malformed-json"
    assert "64" in problem["detail"]
    assert await _stored(app) == 0


async def test_finding5_an_empty_signed_body_is_named(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    problem = _is_problem(await _post(portal, b"", _signed(b"")), 400)
    assert problem["detail"] == "the body is empty"
    assert problem["title"] == "Malformed JSON"


async def test_one_title_for_malformed_json_wherever_it_is_sent(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    response = await portal.client.post(
        f"{portal.base_url}/v1/dead-letters/replay",
        content=b"[" * 2000,
        headers=OPERATOR,
    )
    problem = _is_problem(response, 400)
    assert (problem["type"], problem["title"]) == ("/problems/malformed-json", "Malformed JSON")


@pytest.mark.parametrize("limit", ["²", "٣", "5" * 5000, "-1", "0", "1e3", " 3"])
async def test_finding5_limit_must_be_ascii_digits_in_bounds(gateway, limit: str) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    for path in ("/v1/events", "/v1/dead-letters"):
        response = await portal.client.get(
            f"{portal.base_url}{path}", params={"limit": limit}, headers=OPERATOR
        )
        problem = _is_problem(response, 400)
        assert problem["errors"][0]["path"] == "query.limit"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "cz" + "9" * 40,  # 's' and a huge number, base64
        "czEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MA",
        "czI",  # 's2' is fine...
    ],
)
async def test_finding5_cursors_we_did_not_issue_are_400(gateway, cursor: str) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    response = await portal.client.get(
        f"{portal.base_url}/v1/events", params={"cursor": cursor}, headers=OPERATOR
    )
    if cursor == "czI":
        assert response.status_code == 200
    else:
        _is_problem(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/lookups/debts/a%00b",
        "/v1/lookups/debts/090165560%0d%0aX",
        "/v1/lookups/debts/090165560?category=TA%00P",
        "/v1/lookups/debts/090165560?category=T%1bP",
    ],
)
async def test_finding5_control_characters_in_lookups_are_400(gateway, genesis, path: str) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    response = await portal.client.get(f"{portal.base_url}{path}", headers=PORTAL)
    _is_problem(response, 400)
    assert genesis.requests == []


# -- finding 6: NUL is refused the same on both databases; a long category before the call ------


@pytest.mark.parametrize("field", ["subject", "source"])
async def test_finding6_nul_in_the_envelope_is_a_422_on_both_databases(gateway, field: str) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    event[field] = "a\x00b"
    response = await portal.post_event(event)
    problem = _is_problem(response, 422)
    assert problem["errors"][0]["path"] == f"$.{field}"
    assert await _stored(app) == 0


async def test_finding6_nul_deep_in_data_is_a_422_naming_the_field(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    event["data"]["attachments"] = [
        {
            "file_name": "a\x00.pdf",
            "media_type": "application/pdf",
            "url": "https://portal.example/a.pdf",
        }
    ]
    problem = _is_problem(await portal.post_event(event), 422)
    paths = [item["path"] for item in problem["errors"]]
    assert any(path.startswith("$.data.attachments[0].file_name") for path in paths), paths
    assert await _stored(app) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/events/a%00b"),
        ("GET", "/v1/events?subject=a%00b"),
        ("GET", "/v1/events?type=a%00b"),
        ("GET", "/v1/dead-letters?plugin=a%00b"),
        ("POST", "/v1/events/a%00b/replay"),
        ("POST", "/v1/events/a%00b/deliveries/webhook/release"),
    ],
)
async def test_finding6_nul_in_paths_and_queries_is_a_400(gateway, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    response = await portal.client.request(method, f"{portal.base_url}{path}", headers=OPERATOR)
    _is_problem(response, 400)


async def test_finding6_a_long_category_is_refused_before_the_backend_is_called(
    gateway, genesis
) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    before = len(genesis.requests)
    response = await portal.client.get(
        f"{portal.base_url}/v1/lookups/debts/090165560",
        params={"category": "T" * 300},
        headers=PORTAL,
    )
    problem = _is_problem(response, 422)
    assert "category" in problem["detail"]
    assert len(genesis.requests) == before


# -- intake refuses what can never be delivered -------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"full_name": "Evil\r\nReply-To : attacker@evil.example"}, "$.data.citizen.full_name"),
        ({"full_name": "Ascii\x07Bell"}, "$.data.citizen.full_name"),
        ({"email": "Attacker <attacker@evil.example>"}, "$.data.citizen.email"),
        ({"email": "a@b.gr, c@d.gr"}, "$.data.citizen.email"),
    ],
)
async def test_intake_refuses_header_breaking_citizens(gateway, change, path: str) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    event["data"]["citizen"].update(change)
    problem = _is_problem(await portal.post_event(event), 422)
    assert path in [item["path"] for item in problem["errors"]]
    assert await _stored(app) == 0


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+02:00"])
async def test_intake_refuses_dates_outside_1900_to_2200(gateway, when: str) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    problem = _is_problem(await portal.post_event(example("request.submitted", time=when)), 422)
    assert problem["errors"][0]["path"] == "$.time"
    assert "1900" in problem["errors"][0]["message"]


async def test_intake_takes_datacontenttype_with_a_charset(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    event = example("request.submitted", datacontenttype="application/json; charset=utf-8")
    assert (await portal.post_event(event)).status_code == 202


# -- finding 10: a portal id cannot take a derived event's id ------------------------------------


async def test_finding10_portal_ids_in_the_derived_namespace_are_refused(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    first = example("request.submitted")
    problem = _is_problem(await portal.post_event({**first, "id": "X~protocol"}), 422)
    assert problem["errors"][0]["path"] == "$.id"
    assert await _stored(app) == 0
    # the old shape of a derived id is an ordinary portal id now; it cannot collide
    assert (await portal.post_event({**first, "id": "X.protocol"})).status_code == 202


# -- finding 13: the database down is a 503, not a 500 -------------------------------------------


async def test_finding13_reads_with_the_database_down_answer_503(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    store = app[appkeys.STORE]
    async with store.write() as connection:
        await connection.exec_driver_sql("ALTER TABLE events RENAME TO events_away")
    try:
        response = await portal.client.get(f"{portal.base_url}/v1/events", headers=OPERATOR)
        problem = _is_problem(response, 503)
        assert response.headers.get("Retry-After")
        assert problem["type"] == "/problems/store-unavailable"
    finally:
        async with store.write() as connection:
            await connection.exec_driver_sql("ALTER TABLE events_away RENAME TO events")
