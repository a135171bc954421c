"""An ASEP application as the portal sends it, and the ranking software's answer."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.devtools.stories import ASEP_COMPETITION, ASEP_DETAILS
from gateway.plugin_api import Event
from tests.support.events import example

COMPETITION = ASEP_COMPETITION
#: the competition as one path segment: "/" is %2F
SEGMENT = "%CE%A3%CE%9F%CE%A7%201%2F2026"


def application(request_id: str = "REQ-2026-0004", **data: Any) -> dict[str, Any]:
    event = example(
        "request.submitted",
        data={
            "request_id": request_id,
            "request_type": "asep_hiring_application",
            "details": ASEP_DETAILS,
            **data,
        },
    )
    event["subject"] = f"request/{request_id}"
    event["data"].pop("business", None)
    return event


def application_event(**data: Any) -> Event:
    return Event.from_envelope(application(**data))


def ranking(status: int = 201, **changes: Any) -> httpx.Response:
    body = {
        "application_id": "REQ-2026-0004",
        "competition": COMPETITION,
        "position_code": "101",
        "position": 1,
        "candidates": 1,
        "points": "2000.00",
        "provisional": True,
        "ranking_id": "RNK-1",
        "ranked_at": "2026-11-20T07:15:01+00:00",
        **changes,
    }
    return httpx.Response(status, json={k: v for k, v in body.items() if v is not None})
