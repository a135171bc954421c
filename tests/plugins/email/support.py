"""An email connector on the SMTP mock (a real server on loopback) with a real send log."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from gateway.plugin_api import Cache, Event, PluginContext
from gateway.store.send_records import SendRecordTable
from mocks.smtp import FakeSmtp
from plugins.email.connector import EmailConnector
from plugins.email.settings import EmailSettings
from tests.support.events import example

CITIZEN = "maria.papadopoulou@example.gr"
ADMIN = "esoda@serres.gr"


def settings(mock: FakeSmtp, **changes: Any) -> EmailSettings:
    keys: dict[str, Any] = {
        "url": mock.smtp_url,
        "from_address": "noreply@serres.gr",
        "departments": {"revenue": [ADMIN]},
        "timeout": 3,
    }
    return EmailSettings(**{**keys, **changes})


def connector(
    mock: FakeSmtp, records: SendRecordTable | None, cache: Cache | None = None, **changes: Any
) -> EmailConnector:
    return EmailConnector(
        PluginContext(
            "email",
            settings(mock, **changes),
            Path("."),
            logging.getLogger("test"),
            cache=cache,
            send_records=records,
        )
    )


def event(event_type: str, **data: Any) -> Event:
    return Event.from_envelope(example(event_type, data=data))
