"""The protocol plugin's config for a mock of either registry, started as a real server."""

from __future__ import annotations

from typing import Any

from mocks.base import MockBackend
from mocks.irida import FakeIrida
from mocks.protocol import FakeProtocolRegistry
from tests.support.settings import FAST_RETRY

REST_TOKEN = "protocol-test-token"


def make_mock(driver: str) -> MockBackend:
    return FakeIrida() if driver == "irida" else FakeProtocolRegistry(token=REST_TOKEN)


def section(driver: str, mock: MockBackend, **changes: Any) -> dict[str, Any]:
    if driver == "irida":
        assert isinstance(mock, FakeIrida)
        keys: dict[str, Any] = {
            "driver": "irida",
            "url": mock.url,
            "username": mock.username,
            "password": mock.password,
        }
    else:
        keys = {"driver": "rest", "url": mock.url + "/api/v1", "token": REST_TOKEN}
    return {**keys, "retry": {**FAST_RETRY, "max_attempts": 12}, "concurrency": 8, **changes}


def registrations(mock: MockBackend, event_id: str) -> int:
    """How many times the registry holds this event's application."""
    reference = f"{event_id}:protocol"
    if isinstance(mock, FakeIrida):
        return len(mock.registrations_of(f"[ref:{reference}]"))
    assert isinstance(mock, FakeProtocolRegistry)
    return 1 if reference in mock.documents else 0


def total_registrations(mock: MockBackend) -> int:
    return len(mock.documents)  # type: ignore[attr-defined]
