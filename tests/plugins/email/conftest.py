"""The email plugin's tests share the SMTP mock, a real server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mocks.smtp import FakeSmtp


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    mock = FakeSmtp()
    await mock.start()
    yield mock
    await mock.stop()
