"""Our assumed ranking contract (contracts/asep/asep.openapi.yaml) to and from the gateway's events.

Pure functions, no I/O: what an application sends, and a ranking read back
and checked, since a ranking is shown to a candidate and must never be half
a document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from gateway.plugin_api import Event, InvalidInputError, PermanentError, normalize_afm

POINTS = re.compile(r"(0|[1-9][0-9]{0,8})\.[0-9]{2}")
#: what the ranking software answers, with the check each field must pass
_SHAPES: dict[str, Any] = {
    "application_id": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "competition": lambda v: isinstance(v, str) and 0 < len(v) <= 64,
    "position": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
    "candidates": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
    "points": lambda v: isinstance(v, str) and POINTS.fullmatch(v) is not None,
    "provisional": lambda v: isinstance(v, bool),
    "ranked_at": lambda v: isinstance(v, str) and _is_moment(v),
}


def _is_moment(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


def segment(value: str) -> str:
    """One path segment: "ΣΟΧ 1/2026" becomes ΣΟΧ%201%2F2026, never two segments."""
    return quote(value, safe="")


def application_of(event: Event, request_types: list[str]) -> tuple[str, dict[str, Any]]:
    """The competition and the body to send; InvalidInputError naming what the event lacks."""
    data = event.data
    if event.type != "request.submitted" or data.get("request_type") not in request_types:
        raise PermanentError(
            f"the asep plugin ranks request.submitted of types {', '.join(request_types)}, "
            f"not {event.type} {data.get('request_type')!r}; check the routes"
        )
    details = data.get("details")
    if (
        not isinstance(details, Mapping)
        or not details.get("competition")
        or not details.get("criteria")
    ):
        raise InvalidInputError(
            "an ASEP application needs data.details.competition and data.details.criteria "
            "(the data_schema of its type in [request_types] asks the portal for them)",
            code="no_asep_details",
        )
    citizen = data.get("citizen") or {}
    body: dict[str, Any] = {
        "application_id": str(data["request_id"]),
        "candidate": {
            "afm": normalize_afm(str(citizen.get("afm", ""))),
            "full_name": str(citizen.get("full_name", "")),
        },
        "criteria": dict(details["criteria"]),
    }
    if details.get("position_code"):
        body["position_code"] = str(details["position_code"])
    if data.get("submitted_at"):
        body["submitted_at"] = data["submitted_at"]
    return str(details["competition"]), body


def ranking_of(answer: Any, application_id: str) -> dict[str, Any]:
    """The ranking the software answered, checked field by field; ValueError says what is off."""
    if not isinstance(answer, Mapping):
        raise ValueError("the answer is not a JSON object")
    wrong = [name for name, fits in _SHAPES.items() if not fits(answer.get(name))]
    if wrong:
        raise ValueError(f"missing or malformed: {', '.join(wrong)}")
    if answer["application_id"] != application_id:
        raise ValueError(f"it ranks {answer['application_id']!r}, not {application_id!r}")
    if answer["position"] > answer["candidates"]:
        raise ValueError(f"position {answer['position']} of {answer['candidates']} candidates")
    ranking = {name: answer[name] for name in _SHAPES}
    for optional in ("position_code", "ranking_id"):
        value = answer.get(optional)
        if isinstance(value, str) and 0 < len(value) <= 128:
            ranking[optional] = value
    return ranking


def ranked_data(event: Event, ranking: Mapping[str, Any]) -> dict[str, Any]:
    """application.ranked: the ranking, and what the candidate's e-mail needs."""
    data: dict[str, Any] = {
        "request_id": ranking["application_id"],
        **{k: v for k, v in ranking.items() if k != "application_id"},
    }
    for key in ("request_type", "citizen", "locale", "notify"):
        if key in event.data:
            data[key] = event.data[key]
    return data
