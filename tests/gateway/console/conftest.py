"""The console's fixtures: a whole gateway with staff, and (for browser tests) Debian's chromium."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway.devtools.stories import story_events
from tests.support.console import BROWSER_ARGS, CHROMIUM, World, console_world

ROOT = Path(__file__).resolve().parents[3]
#: screenshots of every page, kept with the run's artefacts (build/ is not committed)
ARTIFACTS = ROOT / "build" / "artifacts" / "console"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with console_world(tmp_path) as found:
        yield found


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine: `apt-get install chromium` (Debian's package)")
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def application(number: int = 2, suffix: str = "x") -> dict[str, Any]:
    """A story's application (a civil-registry certificate by default) with an id of its own."""
    event = copy.deepcopy(list(story_events())[number - 1])
    event["id"] = f"{event['id']}-{suffix}"
    request_id = f"{event['data']['request_id']}-{suffix}"
    event["data"]["request_id"] = request_id
    event["subject"] = f"request/{request_id}"
    return event


def payment(suffix: str = "x") -> dict[str, Any]:
    event = copy.deepcopy(next(e for e in story_events() if e["type"] == "payment.completed"))
    event["id"] = f"{event['id']}-{suffix}"
    return event
