"""The demo's later stories: a rival ASEP candidate, followers of a request, the citizen's choice.

Each posts events as the portal would, waits for them to settle, and says
what happened in a few lines: what the ranking look-up shows now, who was
mailed on each status change, and what was not sent and why.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from gateway.devtools.portal import PortalClient
from gateway.devtools.stories import ASEP_COMPETITION, ASEP_DETAILS, example_event
from gateway.logs import mask

Inbox = Callable[[], list[dict[str, Any]]]
NEIGHBOUR = ("nikos.georgiou@example.gr", "el")
VISITOR = ("jane.doe@example.com", "en")
_TOKEN = re.compile(r"token=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


def _event(kind: str, event_id: str, **data: Any) -> dict[str, Any]:
    event = example_event(kind)
    event["id"] = event_id
    if "request_id" in data:
        event["subject"] = f"request/{data['request_id']}"
    event["data"].update(data)
    return event


async def _post_settled(portal: PortalClient, event: dict[str, Any]) -> dict[str, Any]:
    answer = await portal.post_event(event)
    answer.raise_for_status()
    return await portal.wait_settled(event["id"])


def _email_result(view: dict[str, Any]) -> dict[str, Any]:
    return next((d["result"] or {} for d in view["deliveries"] if d["plugin"] == "email"), {})


def _told(view: dict[str, Any]) -> str:
    result = _email_result(view)
    sent = [line["to"] for line in result.get("sent", [])]
    note = f"; {result['citizen']}" if result.get("citizen") else ""
    return (f"e-mails to {', '.join(sent)}" if sent else "no e-mail") + note


async def rival_candidate(portal: PortalClient, first: dict[str, Any]) -> tuple[list[str], bool]:
    """A second candidate with more points applies; the first one's provisional place moves."""
    rival = copy.deepcopy(first)
    rival["id"] = "evt-req-0007"
    rival["subject"] = "request/REQ-2026-0007"
    rival["data"].update(
        request_id="REQ-2026-0007",
        citizen={
            "afm": "090165560",
            "full_name": "Γιώργος Ιωάννου",
            "email": "g.ioannou@example.gr",
        },
        details={**ASEP_DETAILS, "criteria": {"unemployment_months": 12, "children": 3}},
    )
    view = await _post_settled(portal, rival)
    competition = quote(ASEP_COMPETITION, safe="")
    answer = await portal.get(
        f"/v1/lookups/ranking/{competition}/{quote(first['data']['request_id'], safe='')}"
    )
    ranking = answer.json() if answer.status_code == 200 else {}
    ranked = next((d["result"] for d in view["deliveries"] if d["plugin"] == "asep"), None) or {}
    lines = [
        f"ASEP {ASEP_COMPETITION}: a second candidate applies (REQ-2026-0007): "
        f"{ranked.get('position', '?')} of {ranked.get('candidates', '?')} with "
        f"{ranked.get('points', '?')} points",
        f"    ranking look-up of {first['data']['request_id']} (GET /v1/lookups/ranking/…) → "
        f"{answer.status_code}: now {ranking.get('position', '?')} of "
        f"{ranking.get('candidates', '?')} with {ranking.get('points', '?')} points"
        f"{' (provisional)' if ranking.get('provisional') else ''}",
    ]
    return lines, view["status"] == "delivered" and ranking.get("position") == 2


async def followers(
    portal: PortalClient, request_id: str, request_type: str, inbox: Inbox
) -> tuple[list[str], bool]:
    """Two people follow a request; one leaves by the link in a message; each change mails the rest."""
    citizen = example_event("request.status_changed")["data"]["citizen"]
    lines, settled = [f"Followers of {request_id} ({request_type}):"], []
    for number, (address, locale) in enumerate((NEIGHBOUR, VISITOR), start=1):
        view = await _post_settled(
            portal,
            _event(
                "request.followed", f"evt-follow-{number:04d}",
                request_id=request_id, email=address, locale=locale,
            ),
        )  # fmt: skip
        settled.append(view)
        lines.append(f"    {mask(address)} follows ({locale}): {_told(view)}")

    def change(number: int, status: str) -> dict[str, Any]:
        return _event(
            "request.status_changed", f"evt-status-follow-{number:04d}",
            request_id=request_id, request_type=request_type, status=status,
            citizen=citizen, department="cleaning", locale="el",
        )  # fmt: skip

    view = await _post_settled(portal, change(1, "in_progress"))
    settled.append(view)
    lines.append(f"    status in_progress: {_told(view)}")
    # the visitor clicks the link in that message: the portal posts the token it carried
    link = next(
        (m for m in reversed(inbox()) if m["envelope_to"] == [VISITOR[0]] and m.get("text")),
        None,
    )
    found = _TOKEN.search(str(link["text"])) if link else None
    token = found.group(1) if found else "missing.token"
    view = await _post_settled(
        portal,
        _event("request.unfollowed", "evt-unfollow-0001", request_id=request_id, token=token),
    )
    settled.append(view)
    result = _email_result(view)
    lines.append(
        f"    {mask(VISITOR[0])} clicks the unfollow link: "
        f"{'removed' if result.get('was_following') else 'NOT removed'}"
    )
    view = await _post_settled(portal, change(2, "completed"))
    settled.append(view)
    lines.append(f"    status completed: {_told(view)}")
    done = all(v["status"] == "delivered" for v in settled) and bool(result.get("was_following"))
    return lines, done


async def platform_only(portal: PortalClient) -> tuple[list[str], bool]:
    """A citizen asks to be told on the platform only; a clerk later switches them to e-mail."""
    submitted = example_event("request.submitted")
    submitted["id"] = "evt-req-0008"
    submitted["subject"] = "request/REQ-2026-0008"
    data = submitted["data"]
    data.update(
        request_id="REQ-2026-0008", request_type="civil_registry_certificate",
        subject="Πιστοποιητικό οικογενειακής κατάστασης", notify=[],
    )  # fmt: skip
    data.pop("business", None)
    view = await _post_settled(portal, submitted)
    registered_id = next(
        (e for d in view["deliveries"] if d["plugin"] == "protocol" for e in d["emitted"]), None
    )
    registered = await portal.wait_settled(registered_id) if registered_id else {"deliveries": []}
    changed = _event(
        "request.status_changed", "evt-status-0008",
        request_id="REQ-2026-0008", request_type="civil_registry_certificate",
        status="needs_info", notify=["email"], department="civil_status",
        comment="Χρειάζεται αντίγραφο ταυτότητας.",
    )  # fmt: skip
    after = await _post_settled(portal, changed)
    lines = [
        "REQ-2026-0008 (civil_registry_certificate), notify = [] (the platform only):",
        f"    protocol number e-mail: {_told(registered)}",
        f'    a clerk asks for a document and sets notify = ["email"]: {_told(after)}',
    ]
    ok = _email_result(registered).get("citizen") is not None and bool(
        _email_result(after).get("sent")
    )
    return lines, ok and after["status"] == "delivered"
