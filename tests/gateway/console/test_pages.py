"""The console's pages and forms over HTTP: escaping, reveal, roles, departments, wrong input."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.gateway.console.conftest import application, payment
from tests.gateway.console.test_signin import csrf_of, sign_in
from tests.support.console import IRIDA_SEND, STAFF, World


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.base_url, follow_redirects=False) as found:
        yield found


async def as_staff(client: httpx.AsyncClient, login: str) -> None:
    answer = await sign_in(client, login, STAFF[login][2])
    assert answer.status_code == 303, answer.text


async def settled(world: World, event: dict) -> dict:  # type: ignore[type-arg]
    assert (await world.portal.post_event(event)).status_code == 202
    return await world.portal.wait_settled(event["id"])


async def audit(world: World, action: str) -> list[tuple[str, str]]:
    items = (await world.portal.get("/v1/audit", action=action)).json()["items"]
    return [(item["actor"], item["outcome"]) for item in items]


async def test_what_a_citizen_typed_is_shown_as_text_never_as_markup(
    world: World, client: httpx.AsyncClient
) -> None:
    event = application(2, "xss")
    event["data"]["citizen"]["full_name"] = (
        '<script>alert("x")</script><img src=x onerror=alert(1)>'
    )
    event["data"]["description"] = "</pre><h1>injected</h1>"
    await settled(world, event)
    await as_staff(client, "anna")
    page = await client.get(f"/console/events/{event['id']}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text and "<h1>injected" not in page.text


async def test_the_payload_is_masked_until_revealed_and_the_reveal_is_audited(
    world: World, client: httpx.AsyncClient
) -> None:
    event = application(2, "reveal")
    await settled(world, event)
    afm = event["data"]["citizen"]["afm"]
    await as_staff(client, "vera")
    page = await client.get(f"/console/events/{event['id']}")
    assert afm not in page.text and "Ελληνικά" not in page.text
    revealed = await client.post(
        f"/console/events/{event['id']}/reveal", data={"csrf": csrf_of(page.text)}
    )
    assert revealed.status_code == 200 and afm in revealed.text
    assert await audit(world, "reveal") == [("vera", "done")]


async def test_a_viewer_cannot_repair_and_each_refusal_is_audited(
    world: World, client: httpx.AsyncClient
) -> None:
    world.mocks["webhook"].set_faults(fail_next=5, error_status=400)
    event = payment("viewer")
    await settled(world, event)
    await as_staff(client, "vera")
    token = csrf_of((await client.get("/console/")).text)
    replay = await client.post(f"/console/events/{event['id']}/replay", data={"csrf": token})
    bulk = await client.post(
        "/console/dead-letters/bulk",
        data={
            "csrf": token,
            "plugin": "webhook",
            "expect_count": "1",
            "reason": "r",
            "confirmed": "yes",
        },
    )
    pause = await client.post(
        "/console/backends/webhook/pause", data={"csrf": token, "reason": "r"}
    )
    preview = await client.get("/console/dead-letters/bulk?plugin=webhook")
    assert [a.status_code for a in (replay, bulk, pause, preview)] == [403, 403, 403, 403]
    assert "Δεν έχετε δικαίωμα" in pause.text
    assert await audit(world, "pause") == [("vera", "refused")]
    assert await audit(world, "replay") == [("vera", "refused")]


async def test_a_department_operator_cannot_widen_the_search_to_another_department(
    world: World, client: httpx.AsyncClient
) -> None:
    await settled(world, payment("dept"))
    fee = application(1, "dept")
    await settled(world, fee)
    await as_staff(client, "rena")
    for query in ("", "?department=treasury", "?type=payment.completed"):
        page = await client.get(f"/console/events{query}")
        assert "evt-pay" not in page.text, query
    assert fee["id"] in (await client.get("/console/events")).text
    assert ">Ταμειακή Υπηρεσία<" not in (await client.get("/console/events")).text


async def test_wrong_search_input_is_named_next_to_its_field(
    world: World, client: httpx.AsyncClient
) -> None:
    await as_staff(client, "vera")
    page = await client.get("/console/events?from=31/02/2026&afm=12345&until=yesterday&page=x")
    assert page.status_code == 200
    summary = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert summary is not None
    for field in ("#from", "#until", "#afm"):
        assert f'href="{field}"' in summary.group(0)
    ok = await client.get("/console/events?from=06/12/2026&afm=EL%20090000045&page=99999999")
    assert ok.status_code == 200 and "error-summary" not in ok.text


async def test_bulk_repair_needs_a_reason_and_the_count_it_was_shown(
    world: World, client: httpx.AsyncClient
) -> None:
    world.mocks["webhook"].set_faults(fail_next=10, error_status=400)
    await settled(world, payment("count"))
    world.mocks["webhook"].set_faults()
    await as_staff(client, "oscar")
    preview = await client.get("/console/dead-letters/bulk?plugin=webhook&action=dismiss")
    count = re.search(r'name="expect_count" value="(\d+)"', preview.text)
    assert count is not None and int(count.group(1)) >= 1
    form = {"csrf": csrf_of(preview.text), "plugin": "webhook", "action": "dismiss"}
    missing = await client.post(
        "/console/dead-letters/bulk", data={**form, "expect_count": count.group(1)}
    )
    assert missing.status_code == 400 and 'href="#reason"' in missing.text
    stale = await client.post(
        "/console/dead-letters/bulk",
        data={**form, "expect_count": "99", "reason": "παλιά", "confirmed": "yes"},
    )
    assert stale.status_code == 409 and "Το πλήθος άλλαξε σε" in stale.text
    done = await client.post(
        "/console/dead-letters/bulk",
        data={
            **form,
            "expect_count": count.group(1),
            "reason": "δεν χρειάζεται",
            "confirmed": "yes",
        },
    )
    assert done.status_code == 303 and "done=dismissed" in done.headers["location"]
    assert ("oscar", "done") in await audit(world, "bulk_dismiss")


async def test_a_confirm_with_facts_the_plugin_refuses_says_why(
    world: World, client: httpx.AsyncClient
) -> None:
    world.mocks["protocol"].set_faults(fail_next=1, error_phase="after", only_path=IRIDA_SEND)
    event = application(3, "badfacts")
    await settled(world, event)
    await as_staff(client, "oscar")
    page = await client.get("/console/in-doubt")
    url = f"/console/in-doubt/{event['id']}/protocol/confirm"
    answer = await client.post(
        url,
        data={
            "csrf": csrf_of(page.text),
            "protocol_number": "12",
            "protocol_date": "06/12",
            "reason": "r",
        },
    )
    assert answer.status_code == 400 and "protocol_date must be an ISO date" in answer.text
    view = await world.portal.wait_settled(event["id"])
    assert {d["plugin"]: d["state"] for d in view["deliveries"]}["protocol"] == "dead"
    released = await client.post(
        f"/console/in-doubt/{event['id']}/protocol/release",
        data={"csrf": csrf_of(page.text), "reason": "δεν βρέθηκε στο ΙΡΙΔΑ"},
    )
    assert released.status_code == 303 and released.headers["location"].endswith("done=released")
    assert await audit(world, "release") == [("oscar", "done")]


async def test_the_language_switch_and_pages_that_do_not_exist(client: httpx.AsyncClient) -> None:
    await as_staff(client, "vera")
    switched = await client.get("/console/lang?to=en&next=/console/events")
    assert switched.status_code == 303 and switched.headers["location"] == "/console/events"
    page = await client.get("/console/events")
    assert '<html lang="en">' in page.text and "Search" in page.text
    elsewhere = await client.get("/console/lang?to=en&next=https://evil.example/")
    assert elsewhere.headers["location"] == "/console/"
    missing = await client.get("/console/no-such-page")
    assert missing.status_code == 404 and "Not found." in missing.text
    wrong_method = await client.delete("/console/events")
    assert wrong_method.status_code in (403, 405)


async def test_events_sort_by_type_and_show_amounts_the_greek_way(
    world: World, client: httpx.AsyncClient
) -> None:
    event = payment("sort")
    await settled(world, event)
    await settled(world, application(2, "sort"))
    await as_staff(client, "vera")
    page = await client.get("/console/events?sort=type")
    types = re.findall(r"<td>((?:payment|request)\.[a-z_.]+)", page.text)
    assert len(types) >= 4 and types == sorted(types)
    amount = event["data"]["amount"]
    whole, _, cents = f"{float(amount):.2f}".partition(".")
    assert f"{whole},{cents}\u00a0€" in page.text
    junk = await client.get("/console/events?sort=<b>")
    assert junk.status_code == 200 and "<b>" not in junk.text and "sort_" not in junk.text


async def test_the_audit_page_filters_by_day_and_names_a_wrong_date(
    world: World, client: httpx.AsyncClient
) -> None:
    await as_staff(client, "anna")
    today = await client.get("/console/audit?from=2020-01-01&actor=anna")
    assert today.status_code == 200 and "console_login" in today.text
    future = await client.get("/console/audit?from=2999-01-01")
    assert "console_login" not in future.text
    wrong = await client.get("/console/audit?until=soon")
    assert 'href="#until"' in wrong.text


async def test_the_search_names_request_types_from_the_catalogue_in_the_pages_language(
    world: World, client: httpx.AsyncClient
) -> None:
    await settled(world, application(3, "names"))  # a civil-registry certificate
    await as_staff(client, "anna")
    greek = await client.get("/console/events")
    assert "Πιστοποιητικό ή ληξιαρχική πράξη" in greek.text
    assert 'title="civil_registry_certificate"' in greek.text
    client.cookies.set("gateway_console_lang", "en")
    english = await client.get("/console/events")
    assert "Civil-registry certificate or act" in english.text
    assert "Πιστοποιητικό ή ληξιαρχική πράξη" not in english.text
