"""Issue 12, finding 13: no probe fans out to the backends per request; issue 13: /readyz asks none."""

from __future__ import annotations

import asyncio

from gateway.health import HealthCache
from gateway.plugin_api import Health
from tests.support.settings import OPERATOR_TOKEN, build_settings


async def test_readyz_reuses_backend_health_for_its_interval(
    start_gateway, sqlite_url, receiver
) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(
        sqlite_url,
        {"webhook": {"url": receiver.url + "/events", "health_url": receiver.url + "/health"}},
        health_interval=60,
    )
    portal, _app = await start_gateway(settings)
    answers = await asyncio.gather(
        *(portal.client.get(f"{portal.base_url}/readyz") for _ in range(200))
    )
    assert {a.status_code for a in answers} == {200}
    assert [r for r in receiver.requests if r.path == "/health"] == []  # readiness is ours alone
    operator = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
    await asyncio.gather(
        *(portal.client.get(f"{portal.base_url}/v1/health", headers=operator) for _ in range(50)),
        *(portal.client.get(f"{portal.base_url}/metrics") for _ in range(50)),
    )
    health_calls = [r for r in receiver.requests if r.path == "/health"]
    assert len(health_calls) == 1


async def test_a_stale_answer_is_asked_again_once_for_concurrent_readers() -> None:
    calls = 0

    async def check() -> Health:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return Health(True, f"call {calls}")

    cache = HealthCache({"x": check, "none": None}, interval=0.2)
    first = await asyncio.gather(*(cache.current() for _ in range(20)))
    assert calls == 1 and all(a["x"].detail == "call 1" for a in first)
    assert first[0]["none"].ok
    await asyncio.sleep(0.25)
    await asyncio.gather(*(cache.current() for _ in range(20)))
    assert calls == 2 and cache.rounds == 2


async def test_a_failing_check_is_an_unhealthy_answer_not_an_error() -> None:
    async def broken() -> Health:
        raise RuntimeError("backend said no")

    answer = await HealthCache({"x": broken}, interval=10).current()
    assert not answer["x"].ok and "backend said no" in answer["x"].detail
