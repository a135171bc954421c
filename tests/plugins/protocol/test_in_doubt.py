"""ΙΡΙΔΑ answers nothing after registering and the driver cannot look: outcome_unknown, settled by an operator."""

from __future__ import annotations

import pytest

from mocks.irida import FakeIrida
from tests.plugins.protocol.support import registrations, section
from tests.support.events import example
from tests.support.settings import OPERATOR_TOKEN, PORTAL_TOKEN, build_settings

ROUTES = [
    {"type": "request.submitted", "plugins": ["protocol", "webhook"]},
    {"type": "request.registered", "plugins": ["webhook"]},
]
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
async def irida():  # type: ignore[no-untyped-def]
    mock = FakeIrida()
    await mock.start()
    yield mock
    await mock.stop()


@pytest.fixture
async def portal(start_gateway, database_url, irida, receiver):  # type: ignore[no-untyped-def]
    plugins = {
        "protocol": section("irida", irida),
        "webhook": {"url": receiver.url + "/events"},
    }
    client, _app = await start_gateway(build_settings(database_url, plugins, ROUTES))
    return client


async def in_doubt(portal, irida: FakeIrida) -> dict:  # type: ignore[no-untyped-def]
    # registered, then the answer is lost
    irida.set_faults(
        fail_next=1, error_phase="after", only_path="/iris/api/v2/external/innerPositions"
    )
    event = example("request.submitted")
    await portal.post_event(event)
    view = await portal.wait_settled(event["id"])
    return event, view


def settle(portal, event_id: str, action: str, body=None, token: str = OPERATOR_TOKEN):  # type: ignore[no-untyped-def]
    return portal.client.post(
        f"{portal.base_url}/v1/events/{event_id}/deliveries/protocol/{action}",
        json={**(body or {}), "reason": "looked in ΙΡΙΔΑ"} if not isinstance(body, list) else body,
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_unanswered_send_stops_as_outcome_unknown_and_an_operator_confirms(
    portal, irida
) -> None:  # type: ignore[no-untyped-def]
    event, view = await in_doubt(portal, irida)
    protocol = next(d for d in view["deliveries"] if d["plugin"] == "protocol")
    assert view["status"] == "dead"
    assert (protocol["state"], protocol["last_error_kind"]) == ("dead", "outcome_unknown")
    # the answer was lost after the send went out: in doubt at once, with what a clerk searches for
    assert protocol["attempts"] == 1 and "not sent again" in protocol["last_error"]
    assert f"Subject ends with [ref:{event['id']}:protocol]" in protocol["last_error"]
    assert f"/v1/events/{event['id']}/deliveries/protocol/confirm" in protocol["last_error"]
    assert registrations(irida, event["id"]) == 1  # the first send did register

    letters = (await portal.get("/v1/dead-letters")).json()["items"]
    assert [(i["event_id"], i["error_kind"]) for i in letters] == [(event["id"], "outcome_unknown")]
    # a replay does not send an in-doubt delivery again
    replay = await portal.client.post(
        f"{portal.base_url}/v1/events/{event['id']}/replay", headers=OPERATOR
    )
    assert replay.json()["replayed"] == []

    # wrong facts, wrong token, wrong plugin: refused, nothing changes
    (document,) = irida.documents
    number, iso = document["regNo"], document["registeredOn"]
    for body, status in (
        ({"protocol_number": number}, 422),
        ({"protocol_number": number, "protocol_date": "26/08/2022"}, 422),
        ({"protocol_number": number, "protocol_date": iso, "extra": 1}, 422),
        (["not", "an", "object"], 400),
    ):
        answer = await settle(portal, event["id"], "confirm", body)
        assert answer.status_code == status, answer.text
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert (await settle(portal, event["id"], "confirm", {}, PORTAL_TOKEN)).status_code == 403
    wrong = await portal.client.post(
        f"{portal.base_url}/v1/events/{event['id']}/deliveries/nope/confirm",
        json={"reason": "checked"},
        headers=OPERATOR,
    )
    assert wrong.status_code == 404

    confirmed = await settle(
        portal, event["id"], "confirm", {"protocol_number": number, "protocol_date": iso}
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["result"] == {
        "request_id": event["data"]["request_id"],
        "protocol_number": number,
        "protocol_date": iso,
        "registry": "irida",
    }
    registered = await portal.wait_settled(body["emitted"][0])
    assert registered["type"] == "request.registered" and registered["status"] == "delivered"
    view = await portal.wait_settled(event["id"])
    protocol = next(d for d in view["deliveries"] if d["plugin"] == "protocol")
    assert protocol["state"] == "succeeded" and view["status"] == "delivered"
    assert protocol["history"][-1]["outcome"] == "confirmed_by_operator"
    # settled once: a second confirm or a release is a conflict
    assert (await settle(portal, event["id"], "confirm", body["result"])).status_code == 409
    assert (await settle(portal, event["id"], "release")).status_code == 409
    assert registrations(irida, event["id"]) == 1


async def test_an_operator_releases_and_it_is_sent_once_more(portal, irida) -> None:  # type: ignore[no-untyped-def]
    event, _view = await in_doubt(portal, irida)
    irida.reset()  # the operator found nothing in ΙΡΙΔΑ (here: it lost the document)
    released = await settle(portal, event["id"], "release")
    assert released.status_code == 202 and released.json()["state"] == "pending"
    view = await portal.wait_settled(event["id"])
    protocol = next(d for d in view["deliveries"] if d["plugin"] == "protocol")
    assert protocol["state"] == "succeeded", protocol
    assert [h["outcome"] for h in protocol["history"]][-2:] == ["released_by_operator", "succeeded"]
    assert registrations(irida, event["id"]) == 1
