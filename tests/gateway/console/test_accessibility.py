"""WCAG 2.1 AA in a real Chromium: axe-core finds nothing on any page, in either language,
for any role; every page reflows at 320 px and at 200% zoom; the keyboard alone suffices."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe

from tests.gateway.console.conftest import ARTIFACTS, application, payment
from tests.gateway.console.test_browser import settled, signed_in
from tests.support.console import IRIDA_SEND, STAFF, World

PAGES_FOR_ALL = ["/", "/events", "/events?type=request.submitted&sort=oldest", "/events?sort=type", "/dead-letters",
                 "/in-doubt", "/backends", "/events/no-such-event"]  # fmt: skip
PAGES_FOR_OPERATORS = ["/audit", "/audit?until=soon", "/dead-letters/bulk?plugin=webhook"]


async def seeded(world: World) -> list[str]:
    """A settled application, a dead letter and a delivery in doubt: pages with something on them."""
    event = await settled(world, application(2, "a11y"))
    world.mocks["webhook"].set_faults(fail_next=2, error_status=400)
    await settled(world, payment("a11y"))
    world.mocks["webhook"].set_faults()
    world.mocks["protocol"].set_faults(fail_next=1, error_phase="after", only_path=IRIDA_SEND)
    await settled(world, application(4, "a11y-doubt"))
    return [f"/events/{event['id']}"]


def _violations(path: str, found: Any) -> list[str]:
    return [
        f"{path}: {item['id']} ({item['impact']}) at {item['nodes'][0]['target']}: {item['help']}"
        for item in found.response["violations"]
    ]


async def test_axe_finds_nothing_on_any_page_in_either_language_for_any_role(
    world: World, browser: Any
) -> None:
    extra = await seeded(world)
    axe = Axe()
    problems: list[str] = []
    anonymous = await (await browser.new_context()).new_page()
    for lang in ("el", "en"):
        await anonymous.goto(f"{world.console}/lang?to={lang}&next=/console/login")
        problems += _violations(f"login [{lang}]", await axe.run(anonymous))
    for login, (role, _departments, _password) in STAFF.items():
        page = await signed_in(browser, world, login)
        paths = PAGES_FOR_ALL + extra + (PAGES_FOR_OPERATORS if role != "viewer" else ["/audit"])
        for lang in ("el", "en"):
            await page.goto(f"{world.console}/lang?to={lang}&next=/console/")
            for path in paths:
                await page.goto(world.console + path)
                problems += _violations(f"{login} {path} [{lang}]", await axe.run(page))
                if login == "anna":
                    name = path.strip("/").replace("/", "-").split("?")[0] or "overview"
                    ARTIFACTS.mkdir(parents=True, exist_ok=True)
                    await page.screenshot(
                        path=str(ARTIFACTS / f"{name}-{lang}.png"), full_page=True
                    )
    assert problems == []


async def test_every_page_reflows_at_320_px_and_at_200_percent_zoom(
    world: World, browser: Any
) -> None:
    extra = await seeded(world)
    for width, scale in ((320, 1), (640, 2)):  # 640 CSS px at 2×: a 1280 px window at 200%
        page = await signed_in(
            browser,
            world,
            "anna",
            viewport={"width": width, "height": 800},
            device_scale_factor=scale,
        )
        for path in PAGES_FOR_ALL + PAGES_FOR_OPERATORS + extra:
            await page.goto(world.console + path)
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        if width == 320:
            await page.goto(world.console + extra[0])
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "event-320px.png"), full_page=True)


async def _tab_to(page: Any, text: str, limit: int = 60) -> None:
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and focused.strip() == text:
            outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), f"no visible focus on {text!r}"
            return
    raise AssertionError(f"{text!r} is not reachable with Tab")


async def test_sign_in_and_pause_a_backend_with_the_keyboard_alone(
    world: World, browser: Any
) -> None:
    page = await (await browser.new_context()).new_page()
    await page.goto(world.console + "/login")
    await page.keyboard.press("Tab")  # the skip link comes first and shows itself
    assert await page.evaluate("document.activeElement.className") == "skip"
    assert await page.locator("a.skip").bounding_box() is not None
    await page.focus("#login")
    await page.keyboard.type("anna")
    await page.keyboard.press("Tab")
    await page.keyboard.type(STAFF["anna"][2])
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/")
    await _tab_to(page, "Συστήματα")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/backends")
    await page.focus("#reason-webhook")
    await page.keyboard.type("με το πληκτρολόγιο")
    await _tab_to(page, "Παύση webhook", limit=3)
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/backends?done=paused*")
    health = (await world.portal.get("/v1/health")).json()
    assert health["plugins"]["webhook"]["paused"]["reason"] == "με το πληκτρολόγιο"
