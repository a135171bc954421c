"""The console in a real Chromium: sign in, find, read, repair, settle, pause, and who sees what."""

from __future__ import annotations

from typing import Any

from tests.gateway.console.conftest import ARTIFACTS, application, payment
from tests.support.console import IRIDA_SEND, STAFF, World


async def signed_in(browser: Any, world: World, login: str, **options: Any) -> Any:
    context = await browser.new_context(locale="el-GR", **options)
    page = await context.new_page()
    await page.goto(world.console + "/")
    await page.get_by_label("Όνομα χρήστη").fill(login)
    await page.get_by_label("Κωδικός πρόσβασης").fill(STAFF[login][2])
    await page.get_by_role("button", name="Σύνδεση").click()
    await page.wait_for_url("**/console/")
    return page


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def settled(world: World, event: dict[str, Any]) -> dict[str, Any]:
    answer = await world.portal.post_event(event)
    assert answer.status_code == 202, answer.text
    return await world.portal.wait_settled(event["id"])


async def test_sign_in_refuses_a_wrong_password_then_lets_the_operator_in(
    world: World, browser: Any
) -> None:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(world.console + "/events")
    assert "/console/login" in page.url
    await shot(page, "login")
    await page.get_by_label("Όνομα χρήστη").fill("oscar")
    await page.get_by_label("Κωδικός πρόσβασης").fill("not the password")
    await page.get_by_role("button", name="Σύνδεση").click()
    assert "Λάθος όνομα χρήστη ή κωδικός." in await page.get_by_role("alert").inner_text()
    await page.get_by_label("Κωδικός πρόσβασης").fill(STAFF["oscar"][2])
    await page.get_by_role("button", name="Σύνδεση").click()
    await page.wait_for_url("**/console/events")
    assert await page.get_by_role("heading", level=1).inner_text() == "Συμβάντα"
    cookie = next(c for c in await context.cookies() if c["name"] == "gateway_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


async def test_find_an_event_by_its_protocol_number_and_read_its_timeline(
    world: World, browser: Any
) -> None:
    event = application(2, "find")
    view = await settled(world, event)
    protocol = next(d for d in view["deliveries"] if d["plugin"] == "protocol")
    number = protocol["result"]["protocol_number"]
    page = await signed_in(browser, world, "vera")
    await page.get_by_role("link", name="Συμβάντα").click()
    await page.get_by_label("Αριθμός πρωτοκόλλου ή απόδειξης").fill(number)
    await page.get_by_role("button", name="Αναζήτηση").click()
    rows = page.locator("table tbody tr")
    assert await rows.count() == 1
    await page.get_by_role("link", name=event["id"]).click()
    await page.wait_for_url(f"**/console/events/{event['id']}")
    await shot(page, "event")
    timeline = await page.locator("ol.timeline").inner_text()
    assert "protocol: ολοκληρώθηκε" in timeline and number in timeline
    derived = protocol["emitted"][0]
    await page.get_by_role("link", name=derived).click()
    await page.wait_for_url(f"**/console/events/{derived}")
    assert "request.registered" in await page.locator("dl.facts").first.inner_text()
    # the payload is masked until revealed, and the reveal is audited
    payload = await page.locator("pre.payload").inner_text()
    assert event["data"]["citizen"]["afm"] not in payload


async def test_replay_a_dead_letter_from_a_bulk_selection_and_see_it_delivered(
    world: World, browser: Any
) -> None:
    webhook = world.mocks["webhook"]
    webhook.set_faults(fail_next=1000, error_status=400)
    event = payment("bulk")
    view = await settled(world, event)
    assert {d["plugin"]: d["state"] for d in view["deliveries"]}["webhook"] == "dead"
    for derived in next(d for d in view["deliveries"] if d["plugin"] == "genesis")["emitted"]:
        await world.portal.wait_settled(derived)  # payment.recorded: its webhook fails too
    letters = (await world.portal.get("/v1/dead-letters", plugin="webhook")).json()["items"]
    webhook.set_faults()
    page = await signed_in(browser, world, "oscar")
    await page.get_by_role("link", name="Αποτυχημένες παραδόσεις").click()
    await shot(page, "dead-letters")
    await page.locator("a.button", has_text="Επιλογή").first.click()
    assert (
        f"Το φίλτρο επιλέγει {len(letters)} αποτυχημένες παραδόσεις."
        in await page.locator("p.count").inner_text()
    )
    await shot(page, "bulk")
    # without a reason and the confirmation, nothing happens
    await page.get_by_label("Αιτιολογία").fill("   ")
    await page.get_by_label("Επιβεβαιώνω").check()
    await page.get_by_role("button", name="Επιβεβαίωση").click()
    assert "Γράψτε αιτιολογία." in await page.get_by_role("alert").inner_text()
    await page.get_by_label("Αιτιολογία").fill("ο δέκτης διορθώθηκε")
    await page.get_by_label("Επιβεβαιώνω").check()
    await page.get_by_role("button", name="Επιβεβαίωση").click()
    await page.wait_for_url("**/console/dead-letters?done=replayed*")
    assert f"Στάλθηκαν ξανά: {len(letters)}." in await page.get_by_role("status").inner_text()
    for letter in letters:
        view = await world.portal.wait_settled(letter["event_id"])
        assert {d["plugin"]: d["state"] for d in view["deliveries"]}["webhook"] == "succeeded"
    await page.goto(f"{world.console}/events/{event['id']}")
    assert "webhook: ολοκληρώθηκε" in await page.locator("ol.timeline").inner_text()


async def test_settle_an_in_doubt_registration_with_the_number_read_in_the_registry(
    world: World, browser: Any
) -> None:
    world.mocks["protocol"].set_faults(fail_next=1, error_phase="after", only_path=IRIDA_SEND)
    event = application(3, "doubt")
    view = await settled(world, event)
    protocol = next(d for d in view["deliveries"] if d["plugin"] == "protocol")
    assert (protocol["state"], protocol["last_error_kind"]) == ("dead", "outcome_unknown")
    page = await signed_in(browser, world, "oscar")
    await page.get_by_role("link", name="Αβέβαιες παραδόσεις").click()
    await shot(page, "in-doubt")
    card = page.locator("section.card", has_text=event["id"])
    assert "[ref:" in await card.inner_text()  # what to search for in ΙΡΙΔΑ
    confirm = card.locator("form", has=page.get_by_role("button", name="Επιβεβαίωση"))
    await confirm.get_by_label("Αριθμός πρωτοκόλλου").fill("4711")
    await confirm.get_by_label("Ημερομηνία πρωτοκόλλου").fill("2026-12-06")
    await confirm.get_by_label("Αιτιολογία").fill("βρέθηκε στο ΙΡΙΔΑ")
    await confirm.get_by_role("button", name="Επιβεβαίωση").click()
    await page.wait_for_url("**/console/in-doubt?done=confirmed")
    view = await world.portal.wait_settled(event["id"])
    protocol = next(d for d in view["deliveries"] if d["plugin"] == "protocol")
    assert protocol["state"] == "succeeded" and protocol["result"]["protocol_number"] == "4711"
    assert protocol["emitted"], "request.registered follows, so the citizen is told"


async def test_an_admin_pauses_and_resumes_a_backend_and_a_viewer_cannot(
    world: World, browser: Any
) -> None:
    page = await signed_in(browser, world, "anna")
    await page.get_by_role("link", name="Συστήματα").click()
    card = page.locator("section.card", has=page.get_by_role("heading", name="webhook"))
    await card.get_by_label("Αιτιολογία").fill("συντήρηση του δέκτη")
    await card.get_by_role("button", name="Παύση webhook").click()
    await page.wait_for_url("**/console/backends?done=paused*")
    assert "webhook" in await page.get_by_role("status").inner_text()
    assert "συντήρηση του δέκτη" in await card.inner_text()
    await shot(page, "backends")
    health = (await world.portal.get("/v1/health")).json()
    assert health["plugins"]["webhook"]["paused"]["paused_by"] == "anna"
    await card.get_by_label("Αιτιολογία").fill("τέλος συντήρησης")
    await card.get_by_role("button", name="Συνέχιση webhook").click()
    await page.wait_for_url("**/console/backends?done=resumed*")
    health = (await world.portal.get("/v1/health")).json()
    assert health["plugins"]["webhook"]["paused"] is None
    viewer = await signed_in(browser, world, "vera")
    await viewer.get_by_role("link", name="Συστήματα").click()
    assert await viewer.get_by_role("button", name="Παύση webhook").count() == 0


async def test_a_revenue_operator_cannot_see_a_treasury_payment(world: World, browser: Any) -> None:
    event = payment("scope")
    await settled(world, event)
    fee = application(1, "scope")  # a fee exemption: Revenue's
    await settled(world, fee)
    page = await signed_in(browser, world, "rena")
    await page.get_by_role("link", name="Συμβάντα").click()
    listed = await page.locator("table").inner_text()
    assert fee["id"] in listed and event["id"] not in listed
    answer = await page.goto(f"{world.console}/events/{event['id']}")
    assert answer is not None and answer.status == 404
    await shot(page, "not-found")


async def test_a_form_without_its_csrf_token_is_refused(world: World, browser: Any) -> None:
    page = await signed_in(browser, world, "anna")
    await page.get_by_role("link", name="Συστήματα").click()
    card = page.locator("section.card", has=page.get_by_role("heading", name="webhook"))
    await card.locator("input[name=csrf]").evaluate("node => node.remove()")
    await card.get_by_label("Αιτιολογία").fill("χωρίς διακριτικό")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await card.get_by_role("button", name="Παύση webhook").click()
    assert (await posted.value).status == 403
    assert "διακριτικό ασφαλείας" in await page.get_by_role("alert").inner_text()
    health = (await world.portal.get("/v1/health")).json()
    assert health["plugins"]["webhook"]["paused"] is None
