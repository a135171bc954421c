"""The whole story on the shipped example config: every request type, its derived events and e-mails, once each."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gateway.devtools.demo import demo_assembly, demo_config
from gateway.devtools.stories import story_events
from tests.support.settings import OPERATOR_TOKEN, SECRET

DEPARTMENT = {
    "fee_exemption": "revenue",
    "tap_no_debt_certificate": "treasury",
    "civil_registry_certificate": "civil_status",
    "asep_hiring_application": "personnel",
    "document_order": "civil_status",
    "everyday_report": "cleaning",
}


@pytest.fixture
async def story(start_gateway, database_url, tmp_path: Path):  # type: ignore[no-untyped-def]
    raw, env = demo_config(tmp_path)
    raw["gateway"]["database_url"] = database_url
    raw["gateway"]["poll_interval"] = 0.2
    env.update(GATEWAY_PORTAL_SECRET=SECRET, GATEWAY_OPERATOR_TOKEN=OPERATOR_TOKEN)
    parts = demo_assembly(raw, env)
    settings, host = parts.settings, parts.host
    mocks = {}
    for name, context in parts.contexts().items():
        mocks[name] = host.mock(context)
        await mocks[name].start()
    try:
        portal, _app = await start_gateway(parts)
        yield portal, mocks, settings
    finally:
        for mock in mocks.values():
            await mock.stop()


def completed(submitted: dict[str, Any]) -> dict[str, Any]:
    status = copy.deepcopy(next(e for e in story_events() if e["type"] == "request.status_changed"))
    data = submitted["data"]
    status["id"] = submitted["id"].replace("evt-req", "evt-status")
    status["subject"] = submitted["subject"]
    status["data"].update(
        request_id=data["request_id"],
        request_type=data["request_type"],
        department=DEPARTMENT[data["request_type"]],
        locale=data.get("locale", "el"),
    )
    return status


async def chain(portal, event_id: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    view = await portal.wait_settled(event_id, within=60)
    found = [view]
    for delivery in view["deliveries"]:
        for derived in delivery["emitted"]:
            found += await chain(portal, derived)
    return found


async def test_every_request_type_and_a_payment_go_all_the_way_once(story) -> None:  # type: ignore[no-untyped-def]
    portal, mocks, settings = story
    submitted = [e for e in story_events() if e["type"] == "request.submitted"]
    payment = next(e for e in story_events() if e["type"] == "payment.completed")
    statuses = [completed(e) for e in submitted]
    assert {e["data"]["request_type"] for e in submitted} == set(DEPARTMENT)
    for event in [*submitted, *statuses, payment]:
        assert (await portal.post_event(event)).status_code == 202

    seen: Counter[tuple[str, str]] = Counter()  # (event type, plugin) deliveries that succeeded
    for event in [*submitted, *statuses, payment]:
        for view in await chain(portal, event["id"]):
            assert view["status"] == "delivered", view
            seen.update((view["type"], d["plugin"]) for d in view["deliveries"])
    # what the example config's routes promise, once per event
    assert seen == Counter(
        {
            ("request.submitted", "protocol"): 6,
            ("request.submitted", "webhook"): 6,
            ("request.submitted", "genesis"): 6,
            ("request.submitted", "taxis"): 1,
            ("request.submitted", "asep"): 1,
            ("application.ranked", "email"): 1,
            ("application.ranked", "webhook"): 1,
            ("request.registered", "email"): 6,
            ("request.registered", "webhook"): 6,
            ("business.checked", "email"): 1,
            ("business.checked", "webhook"): 1,
            ("request.status_changed", "email"): 6,
            ("payment.completed", "webhook"): 1,
            ("payment.completed", "genesis"): 1,
            ("payment.recorded", "email"): 1,
            ("payment.recorded", "webhook"): 1,
        }
    )

    messages = mocks["email"].messages
    ids = [m["message_id"] for m in messages]
    # 6 registered, 1 verdict, 1 ranking, 6 + 6 completed, 1 receipt
    assert len(ids) == len(set(ids)) == 21
    citizen = "maria.papadopoulou@example.gr"
    admins = settings.plugins["email"].departments
    expected_admins = Counter(admins[DEPARTMENT[e["data"]["request_type"]]][0] for e in submitted)
    got = Counter(m["envelope_to"][0] for m in messages)
    assert got == Counter({citizen: 15, **expected_admins})
    for event in submitted:
        request_id = event["data"]["request_id"]
        mine = [m for m in messages if request_id in m["subject"]]
        english = event["data"].get("locale") == "en"
        registered = [
            m for m in mine if ("registered" if english else "πρωτοκολλήθηκε") in m["subject"]
        ]
        assert len(registered) == 1, [m["subject"] for m in mine]
        # registered, completed; and ranked, for the ASEP application
        ranked = event["data"]["request_type"] == "asep_hiring_application"
        assert len([m for m in mine if m["envelope_to"] == [citizen]]) == 2 + ranked
    (receipt,) = [m for m in messages if "125,40 €" in m["subject"]]
    assert receipt["envelope_to"] == [citizen]
    (verdict,) = [m for m in messages if "απαλλαγή" in m["subject"]]
    assert "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ" in verdict["subject"]

    # the backends saw each application once
    assert len(mocks["protocol"].documents) == 6
    assert len(mocks["genesis"].receipts) == 1
    assert len(mocks["asep"].applications["ΣΟΧ 1/2026"]) == 1
    assert Counter(mocks["webhook"].deliveries_seen.values()) == Counter(
        {1: 16}
    )  # 6 submitted, 6 registered, verdict, ranking, payment, receipt


async def test_in_a_running_gateway_4xx_is_retried_and_5xx_is_dead_with_the_reply(
    start_gateway, database_url
) -> None:  # type: ignore[no-untyped-def]
    from mocks.smtp import FakeSmtp
    from tests.support.events import example
    from tests.support.settings import FAST_RETRY, build_settings

    smtp = FakeSmtp()
    await smtp.start()
    try:
        section = {
            "url": smtp.smtp_url,
            "from_address": "noreply@serres.gr",
            "retry": FAST_RETRY,
            "timeout": 3,
        }
        routes = [{"type": "request.status_changed", "plugins": ["email"]}]
        portal, _app = await start_gateway(build_settings(database_url, {"email": section}, routes))
        smtp.set_faults(fail_next=1, error_status=451)
        later = example("request.status_changed", id="evt-temp")
        await portal.post_event(later)
        (delivery,) = (await portal.wait_settled(later["id"]))["deliveries"]
        assert (delivery["state"], delivery["attempts"]) == ("succeeded", 2)
        assert "451" in delivery["history"][0]["error"]
        smtp.set_faults(fail_next=1, error_status=554)
        refused = example("request.status_changed", id="evt-perm")
        await portal.post_event(refused)
        (delivery,) = (await portal.wait_settled(refused["id"]))["deliveries"]
        assert (delivery["state"], delivery["attempts"]) == ("dead", 1)
        assert "554 5.3.0 injected permanent failure" in delivery["last_error"]
        assert len(smtp.messages) == 1
    finally:
        await smtp.stop()


async def test_a_lost_answer_waits_and_an_operator_confirms_it_in_the_cli(
    start_gateway, sqlite_url, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import subprocess
    import sys

    from mocks.smtp import FakeSmtp
    from tests.support.events import example
    from tests.support.process import ROOT
    from tests.support.process import config_file as gateway_config
    from tests.support.settings import FAST_RETRY, build_settings

    smtp = FakeSmtp()
    await smtp.start()
    try:
        section = {"url": smtp.smtp_url, "from_address": "noreply@serres.gr", "retry": FAST_RETRY}
        routes = [{"type": "request.status_changed", "plugins": ["email"]}]
        portal, _app = await start_gateway(build_settings(sqlite_url, {"email": section}, routes))
        smtp.set_faults(fail_next=1, error_phase="after")  # taken, then the connection drops
        event = example("request.status_changed", data={"status": "in_progress"})
        await portal.post_event(event)
        (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
        assert (delivery["state"], delivery["last_error_kind"]) == ("dead", "outcome_unknown")
        assert smtp.messages[0]["message_id"] in delivery["last_error"]

        config = gateway_config(
            tmp_path,
            0,
            sqlite_url,
            f'[plugins.email]\nurl = "{smtp.smtp_url}"\nfrom_address = "noreply@serres.gr"\n'
            '[[routes]]\ntype = "request.status_changed"\nplugins = ["email"]\n',
        )
        command = [sys.executable, "-m", "gateway.cli", "deliveries", "confirm"]
        done = await asyncio.to_thread(
            subprocess.run,
            [
                *command,
                "--config",
                str(config),
                event["id"],
                "email",
                "--reason",
                "in the mail log",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        view = await portal.wait_settled(event["id"])
        assert view["deliveries"][0]["state"] == "succeeded"
        assert view["deliveries"][0]["result"]["confirmed_sent"][0]["to"] == "m***@example.gr"
        assert len(smtp.messages) == 1
    finally:
        await smtp.stop()
