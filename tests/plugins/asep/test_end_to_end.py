"""Issue 17, part 2, through a running gateway on both databases: an ASEP application is ranked
once (even when the answer is lost), application.ranked follows, and the portal reads the
provisional ranking at /v1/lookups/ranking/{competition}/{application}."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from mocks.asep import FakeRankingSoftware
from plugins.asep.settings import DEFAULT_CAPS, DEFAULT_WEIGHTS
from tests.plugins.asep.support import COMPETITION, SEGMENT, application
from tests.support.settings import FAST_RETRY, build_settings


@pytest.fixture
async def ranked(start_gateway, database_url, receiver):  # type: ignore[no-untyped-def]
    software = FakeRankingSoftware(weights=DEFAULT_WEIGHTS, caps=DEFAULT_CAPS)
    await software.start()
    settings = build_settings(
        database_url,
        {
            "asep": {
                "url": software.url + "/api/v1",
                "token": "asep-test-token",
                "retry": {**FAST_RETRY, "max_attempts": 5},
            },
            "webhook": {"url": receiver.url + "/events", "retry": FAST_RETRY},
        },
        [
            {"type": "request.submitted", "plugins": ["asep"]},
            {"type": "application.ranked", "plugins": ["webhook"]},
        ],
    )
    portal, _app = await start_gateway(settings)
    yield portal, software, receiver
    await software.stop()


async def test_a_lost_answer_ranks_the_application_once(ranked) -> None:  # type: ignore[no-untyped-def]
    portal, software, _receiver = ranked
    software.set_faults(fail_next=1, error_phase="after")  # ranked, then the answer is lost
    event = application()
    assert (await portal.post_event(event)).status_code == 202
    view = await portal.wait_settled(event["id"], within=30)
    (delivery,) = view["deliveries"]
    assert view["status"] == "delivered" and len(delivery["history"]) == 2
    assert delivery["result"]["first_ranked_now"] is False  # the retry learned the first ranking
    assert len(software.applications[COMPETITION]) == 1
    (derived,) = delivery["emitted"]
    ranked_view = await portal.wait_settled(derived)
    assert ranked_view["type"] == "application.ranked" and ranked_view["status"] == "delivered"
    assert ranked_view["data"]["points"] == "2000.00" and ranked_view["data"]["position"] == 1


async def test_the_portal_reads_the_provisional_ranking(ranked) -> None:  # type: ignore[no-untyped-def]
    portal, _software, _receiver = ranked
    for request_id, months in (("REQ-A", 2), ("REQ-B", 12)):
        event = application(
            request_id,
            details={"competition": COMPETITION, "criteria": {"unemployment_months": months}},
        )
        assert (await portal.post_event(event)).status_code == 202
        assert (await portal.wait_settled(event["id"]))["status"] == "delivered"
    found = await portal.get(f"/v1/lookups/ranking/{SEGMENT}/REQ-A")
    assert found.status_code == 200, found.text
    assert (found.json()["position"], found.json()["candidates"]) == (2, 2)
    # the path's competition wins over a query parameter of the same name
    smuggled = await portal.get(f"/v1/lookups/ranking/{SEGMENT}/REQ-A", competition="ΣΟΧ 2/2026")
    assert smuggled.json()["competition"] == COMPETITION


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/v1/lookups/ranking/REQ-A", 404, "/v1/lookups/ranking/{competition}/{key}"),
        (f"/v1/lookups/ranking/{SEGMENT}/REQ-NONE", 404, "no application"),
        (f"/v1/lookups/ranking/{quote('Κ 9/1999', safe='')}/REQ-A", 404, "no open competition"),
        (f"/v1/lookups/ranking/{SEGMENT}/{'x' * 65}", 422, "1-64 characters"),
        ("/v1/lookups/nothing/a/b", 404, "no look-up named"),
    ],
)
async def test_a_wrong_ranking_lookup_says_why(ranked, path, status, words) -> None:  # type: ignore[no-untyped-def]
    portal, _software, _receiver = ranked
    answer = await portal.get(path)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


async def test_an_application_without_its_details_is_dead_with_the_reason(ranked) -> None:  # type: ignore[no-untyped-def]
    portal, software, _receiver = ranked
    event = application(details={"position_code": "101"})  # this config asks no data_schema
    assert (await portal.post_event(event)).status_code == 202
    view = await portal.wait_settled(event["id"])
    (delivery,) = view["deliveries"]
    assert delivery["state"] == "dead" and "data.details.competition" in delivery["last_error"]
    assert software.requests == []
