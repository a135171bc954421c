"""Issue 14: staff see their own department's events (404 for the rest), payloads masked unless
revealed (audited), purge for admins. Through a running gateway, on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import appkeys
from gateway.operators import hash_secret, new_token
from gateway.store import audit
from tests.support.events import example
from tests.support.settings import FAST_RETRY, build_settings

TOKENS = {login: new_token(login) for login in ("rena", "tasos", "viv", "adam")}
OPERATORS = {
    "rena": {"role": "operator", "departments": ["revenue"]},
    "tasos": {"role": "operator", "departments": ["treasury"]},
    "viv": {"role": "viewer"},
    "adam": {"role": "admin"},
}
DEPARTMENTS = {
    "revenue": {"name": "Τμήμα Εσόδων", "request_types": ["fee_exemption"]},
    "treasury": {"name": "Ταμειακή Υπηρεσία", "payments": True},
}


@pytest.fixture
async def gateway(start_gateway, database_url, receiver):  # type: ignore[no-untyped-def]
    receiver.set_faults(error_rate=1.0, error_status=422)  # every delivery dead at once
    settings = build_settings(
        database_url,
        {"webhook": {"url": receiver.url + "/events", "retry": FAST_RETRY}},
        [
            {"type": "request.submitted", "plugins": ["webhook"]},
            {"type": "payment.completed", "plugins": ["webhook"]},
        ],
        operators={
            login: {**keys, "token_hash": hash_secret(TOKENS[login])}
            for login, keys in OPERATORS.items()
        },
        departments=DEPARTMENTS,
    )
    portal, app = await start_gateway(settings)
    fee = example("request.submitted")  # fee_exemption: revenue
    payment = example("payment.completed")  # treasury
    for event in (fee, payment):
        await portal.post_event(event)
        await portal.wait_settled(event["id"])
    return portal, app, fee["id"], payment["id"]


def _as(login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[login]}"}


async def _call(portal, login: str, method: str, path: str, body: Any = None):  # type: ignore[no-untyped-def]
    return await portal.client.request(
        method, portal.base_url + path, json=body, headers=_as(login)
    )


async def test_an_event_outside_ones_departments_does_not_exist(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app, fee, payment = gateway
    assert (await _call(portal, "rena", "GET", f"/v1/events/{fee}")).status_code == 200
    for method, path, body in (
        ("GET", f"/v1/events/{payment}", None),
        ("POST", f"/v1/events/{payment}/replay", None),
        ("POST", f"/v1/events/{payment}/deliveries/webhook/confirm", {"reason": "r"}),
        ("POST", f"/v1/events/{payment}/deliveries/webhook/release", {"reason": "r"}),
    ):
        answer = await _call(portal, "rena", method, path, body)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["detail"] == f"no event with id {payment!r}"  # as for a missing one
    assert (await _call(portal, "tasos", "GET", f"/v1/events/{payment}")).status_code == 200
    assert (await _call(portal, "tasos", "GET", f"/v1/events/{fee}")).status_code == 404
    assert (await _call(portal, "viv", "GET", f"/v1/events/{payment}")).status_code == 200


async def test_lists_and_bulk_repair_are_narrowed_to_ones_departments(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app, fee, payment = gateway
    listed = (await _call(portal, "rena", "GET", "/v1/events")).json()["items"]
    assert [item["id"] for item in listed] == [fee]
    letters = (await _call(portal, "tasos", "GET", "/v1/dead-letters")).json()["items"]
    assert [item["event_id"] for item in letters] == [payment]
    assert (await _call(portal, "adam", "GET", "/v1/dead-letters")).json()["items"].__len__() == 2
    counted = await _call(portal, "rena", "POST", "/v1/dead-letters/replay", {})
    assert counted.json()["count"] == 1
    other = await _call(
        portal, "rena", "POST", "/v1/dead-letters/replay", {"department": "treasury"}
    )
    assert other.status_code == 422
    by_admin = await _call(
        portal, "adam", "POST", "/v1/dead-letters/replay", {"department": "treasury"}
    )
    assert by_admin.json()["count"] == 1
    unknown = await _call(portal, "adam", "POST", "/v1/dead-letters/replay", {"department": "nope"})
    assert unknown.status_code == 422


async def test_payloads_are_masked_for_staff_unless_revealed_and_a_reveal_is_audited(
    gateway,
) -> None:  # type: ignore[no-untyped-def]
    portal, app, fee, _payment = gateway
    masked = (await _call(portal, "viv", "GET", f"/v1/events/{fee}")).json()["data"]
    assert masked["citizen"]["afm"] == "******216" and masked["citizen"]["email"].startswith(
        "m***@"
    )
    own = (await portal.get(f"/v1/events/{fee}")).json()  # the operator-token admin: staff too
    assert own["data"]["citizen"]["afm"] == "******216"
    revealed = (await _call(portal, "viv", "GET", f"/v1/events/{fee}?reveal=true")).json()["data"]
    assert revealed["citizen"]["afm"] == "094259216"
    logged = await audit.entries(app[appkeys.STORE], action="reveal")
    assert [(e["actor"], e["targets"]["event_id"]) for e in logged] == [("viv", fee)]


async def test_purge_is_for_admins_needs_a_reason_and_is_audited(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app, fee, _payment = gateway
    assert (
        await _call(portal, "rena", "POST", f"/v1/events/{fee}/purge", {"reason": "r"})
    ).status_code == 403
    assert (await _call(portal, "adam", "POST", f"/v1/events/{fee}/purge", {})).status_code == 422
    done = await _call(
        portal, "adam", "POST", f"/v1/events/{fee}/purge", {"reason": "citizen's request"}
    )
    assert done.status_code == 200
    view = (await _call(portal, "adam", "GET", f"/v1/events/{fee}")).json()
    assert view["purged"] is True and view["data"] is None
    again = await _call(portal, "adam", "POST", f"/v1/events/{fee}/purge", {"reason": "again"})
    assert again.status_code == 409
    outcomes = [
        (e["actor"], e["outcome"]) for e in await audit.entries(app[appkeys.STORE], action="purge")
    ]
    assert outcomes == [
        ("adam", "failed"),
        ("adam", "done"),
        ("adam", "failed"),
        ("rena", "refused"),
    ]
