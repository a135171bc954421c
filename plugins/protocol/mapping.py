"""Pure mapping between a portal application and the registries' payloads; no I/O here.

Swapping in a vendor's real e-protocol contract touches this module and the
driver that speaks it, nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.plugin_api import Event, InvalidInputError, PermanentError

ATHENS = ZoneInfo("Europe/Athens")
#: ΙΡΙΔΑ's regNo is the number alone ("176", v2.2 documentation); a number with its date
#: ("28635/26-08-2022" or "28635/2022-08-26") is read too, should an environment send one
REG_NO = re.compile(
    r"^\s*(?P<number>[^/\s]+)\s*(?:/\s*(?:(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})|(?P<iso>\d{4}-\d{2}-\d{2})))?\s*$"
)
REFERENCE_TAG = "[ref:{}]"


@dataclass(frozen=True)
class Application:
    """One application as every registry needs it."""

    reference: str
    request_id: str
    request_type: str
    subject: str
    description: str
    department: str
    sender: Mapping[str, str]
    received_at: str | None = None
    attachments: list[Mapping[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Registration:
    protocol_number: str
    protocol_date: date
    registry: str

    @property
    def display(self) -> str:
        """As printed on the registry's stamp: 28635/26-08-2022."""
        return f"{self.protocol_number}/{self.protocol_date:%d-%m-%Y}"


def name_key(name: str) -> str:
    """Greek names compared as people read them: capitals drop accents (ΓΡΑΦΕΙΟ = Γραφείο)."""
    decomposed = unicodedata.normalize("NFD", name)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(bare.casefold().split())


def today_in_athens() -> date:
    return datetime.now(ATHENS).date()


def application(event: Event, reference: str, departments: Mapping[str, str]) -> Application:
    if event.type != "request.submitted":
        raise PermanentError(
            f"the protocol plugin registers request.submitted events, not {event.type}; check the routes"
        )
    data = event.data
    request_type = str(data.get("request_type", ""))
    department = departments.get(request_type)
    if not department:
        raise PermanentError(f"no department is configured for request type {request_type!r}")
    citizen = data.get("citizen") or {}
    return Application(
        reference=reference,
        request_id=str(data["request_id"]),
        request_type=request_type,
        subject=str(data["subject"]),
        description=str(data.get("description") or ""),
        department=department,
        sender={k: str(citizen[k]) for k in ("full_name", "afm", "email") if citizen.get(k)},
        received_at=data.get("submitted_at"),
        attachments=list(data.get("attachments") or []),
    )


# -- the generic REST contract (gateway/contracts/protocol/protocol.openapi.yaml) -------


def rest_body(app: Application) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_reference": app.reference,
        "subject": app.subject,
        "department": app.department,
        "sender": dict(app.sender),
    }
    if app.description:
        body["description"] = app.description
    if app.received_at:
        body["received_at"] = app.received_at
    if app.attachments:
        body["attachments"] = [
            {k: v for k, v in item.items() if k in ("file_name", "media_type", "url")}
            for item in app.attachments
        ]
    return body


def rest_registration(body: Any, reference: str, registry: str) -> Registration:
    """ValueError when the answer does not fit the contract's `Registered`."""
    if not isinstance(body, dict):
        raise ValueError("the answer is not a JSON object")
    if body.get("external_reference") != reference:
        raise ValueError(
            f"the answer is for reference {body.get('external_reference')!r}, not {reference!r}"
        )
    number = body.get("protocol_number")
    if not isinstance(number, str) or not number.strip():
        raise ValueError("protocol_number is missing")
    return Registration(
        number.strip(),
        date.fromisoformat(str(body.get("protocol_date"))),
        str(body.get("registry") or registry),
    )


# -- ΙΡΙΔΑ ----------------------------------------------------------------------


def irida_subject(app: Application) -> str:
    """The subject staff read, carrying the reference a later attempt looks for."""
    return f"{app.subject} — αίτηση {app.request_id} {REFERENCE_TAG.format(app.reference)}"


def carries_reference(subject: Any, reference: str) -> bool:
    return isinstance(subject, str) and subject.endswith(REFERENCE_TAG.format(reference))


def irida_sender(app: Application) -> str:
    name = app.sender.get("full_name", "")
    return f"{name} (ΑΦΜ {app.sender['afm']})" if app.sender.get("afm") else name


def parse_reg_no(reg_no: Any, today: date, registry: str) -> Registration:
    """ValueError when `regNo` is not a number, optionally with its date."""
    if not isinstance(reg_no, str | int) or isinstance(reg_no, bool):
        raise ValueError(f"regNo {reg_no!r} is not a registration number")
    found = REG_NO.match(str(reg_no))
    if not found or found["number"].upper() == "ΑΝΕΥ":
        raise ValueError(f"regNo {reg_no!r} is not a registration number")
    if found["iso"]:
        when = date.fromisoformat(found["iso"])
    elif found["y"]:
        when = date(int(found["y"]), int(found["m"]), int(found["d"]))
    else:
        when = today
    return Registration(found["number"], when, registry)


def keys_folded(item: Any) -> dict[str, Any]:
    """An answer's object with its keys in one case: environments differ (`Id` and `id`)."""
    return {str(k).casefold(): v for k, v in item.items()} if isinstance(item, Mapping) else {}


def items_of(body: Any) -> list[dict[str, Any]]:
    """A bare JSON list, or `{"data": [...]}` in any key case; ValueError for anything else."""
    folded = keys_folded(body)
    items = folded.get("data") if folded else body
    if not isinstance(items, list):
        raise ValueError('the answer is neither a list nor {"data": [...]}')
    return [keys_folded(item) for item in items if isinstance(item, Mapping)]


def irida_registration(body: Any, recipient_id: str, today: date, registry: str) -> Registration:
    """The registration at our recipient from ΙΡΙΔΑ's answer to a send.

    The v2.2 documentation answers a bare list, one item per recipient
    (`[{rootId, rootName, regNo}]`, or `[{positionId, dutyId, ..., regNo}]` for
    inner positions); some clients see `{"data": [...]}`; key case differs
    between environments. All are read. `regNo` is the number alone and the
    date is the day of registration (in Athens).
    """
    items = items_of(body)
    if not items:
        raise ValueError("the answer lists no registration")

    def names_us(item: dict[str, Any]) -> bool:
        if item.get("positionid") is not None:
            return f"{item.get('positionid')}-{item.get('dutyid')}" == recipient_id
        return str(item.get("rootid")) == recipient_id

    chosen = next((item for item in items if names_us(item)), items[0])
    return parse_reg_no(chosen.get("regno"), today, registry)


# -- results ------------------------------------------------------------------------


def result(app_request_id: str, registration: Registration) -> dict[str, str]:
    return {
        "request_id": app_request_id,
        "protocol_number": registration.protocol_number,
        "protocol_date": registration.protocol_date.isoformat(),
        "registry": registration.registry,
    }


def registered_data(event: Event, outcome: Mapping[str, str]) -> dict[str, Any]:
    """The data of request.registered: the result, plus what the e-mail to the citizen needs."""
    data: dict[str, Any] = dict(outcome)
    for key in ("citizen", "request_type", "subject", "locale", "notify"):
        if key in event.data:
            data[key] = event.data[key]
    return data


def confirmed_registration(facts: Mapping[str, Any], registry: str) -> Registration:
    """What an operator read in the registry; InvalidInputError says what is missing or wrong."""
    unknown = sorted(set(facts) - {"protocol_number", "protocol_date"})
    if unknown:
        raise InvalidInputError(f"unknown fact(s): {', '.join(unknown)}")
    number = str(facts.get("protocol_number") or "").strip()
    if not number or len(number) > 64:
        raise InvalidInputError("protocol_number is required (1 to 64 characters)")
    raw = str(facts.get("protocol_date") or "").strip()
    try:
        when = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInputError(
            f"protocol_date must be an ISO date (YYYY-MM-DD), not {raw!r}"
        ) from None
    return Registration(number, when, registry)
