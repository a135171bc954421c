"""Shared fixtures: a database on SQLite and, where reachable, PostgreSQL; mocks; a running gateway."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from gateway.store import Store, open_store
from tests.support.store import reset_postgres

# property tests: a few hundred examples in `make test`; `make fuzz` runs the long profile
settings.register_profile("default", max_examples=300, deadline=None)
settings.register_profile(
    "fuzz", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PG_URL = os.environ.get("GATEWAY_TEST_DATABASE_URL")


def _pg_reachable(url: str) -> str | None:
    """None when reachable, else the reason."""
    import asyncpg

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")

    async def probe() -> None:
        connection = await asyncpg.connect(dsn, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"PostgreSQL at {url} is not reachable: {type(exc).__name__}: {exc}"
    return None


_PG_SKIP: str | None = (
    "GATEWAY_TEST_DATABASE_URL is not set (set it to postgresql+asyncpg://... to run the PostgreSQL variants)"
    if not PG_URL
    else _pg_reachable(PG_URL)
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's tests run once on SQLite and once on PostgreSQL (skipped with the reason when absent)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    return await _fresh_postgres()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
async def pg_url() -> str:
    return await _fresh_postgres()


async def _fresh_postgres() -> str:
    """The test PostgreSQL with empty tables, or a skip that says why there is none."""
    if _PG_SKIP:
        pytest.skip(_PG_SKIP)
    assert PG_URL
    await reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def genesis() -> AsyncIterator:
    """The GENESIS mock as a real server on loopback."""
    from mocks.genesis import FakeGenesis

    mock = FakeGenesis()
    await mock.start()
    yield mock
    await mock.stop()


@pytest.fixture
async def receiver() -> AsyncIterator:
    from mocks.webhook import WebhookReceiver

    mock = WebhookReceiver()
    await mock.start()
    yield mock
    await mock.stop()


@pytest.fixture
async def hostile() -> AsyncIterator:
    """A backend that misbehaves on purpose (tests/support/hostile.py), as a real loopback server."""
    from tests.support.hostile import HostileBackend

    backend = HostileBackend()
    await backend.start()
    yield backend
    await backend.stop()


@pytest.fixture
async def start_gateway() -> AsyncIterator:
    """Call `await start_gateway(settings, host=None)` → (portal client, app); all stopped at the end."""
    import contextlib

    from gateway.devtools.portal import PortalClient
    from gateway.devtools.runner import running_gateway
    from tests.support.settings import OPERATOR_TOKEN, SECRET

    async with contextlib.AsyncExitStack() as stack:

        async def start(settings, host=None, token: str = OPERATOR_TOKEN):  # type: ignore[no-untyped-def]
            base_url, app = await stack.enter_async_context(running_gateway(settings, host))
            portal = PortalClient(base_url, SECRET, token)
            stack.push_async_callback(portal.aclose)
            return portal, app

        yield start
