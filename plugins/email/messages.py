"""Which messages an event makes, to whom, with what facts: pure functions, no I/O.

Facts are formatted here, once, for both languages (amounts to the cent with
the Greek decimal comma, dates as the municipality prints them), so the
templates only place them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from gateway.plugin_api import Event, PermanentError, RequestType

ATHENS = ZoneInfo("Europe/Athens")
LOCALES = ("el", "en")

STATUS = {
    "received": ("Παραλήφθηκε", "received"),
    "in_progress": ("Σε επεξεργασία", "in progress"),
    "needs_info": ("Απαιτούνται συμπληρωματικά στοιχεία", "more information needed"),
    "completed": ("Ολοκληρώθηκε", "completed"),
    "rejected": ("Απορρίφθηκε", "rejected"),
}


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient."""

    template: str
    locale: str
    to_address: str
    to_name: str
    facts: Mapping[str, Any] = field(default_factory=dict)


def locale_of(data: Mapping[str, Any]) -> str:
    locale = data.get("locale")
    return locale if locale in LOCALES else "el"


def label(table: Mapping[str, tuple[str, str]], key: str, locale: str) -> str:
    pair = table.get(key)
    return pair[LOCALES.index(locale)] if pair else key


def money(amount: str, locale: str) -> str:
    """To the cent, from the decimal string the events carry; never a float."""
    try:
        value = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError):
        raise PermanentError(f"amount {amount!r} is not a decimal amount") from None
    whole, _, cents = f"{value:,.2f}".partition(".")
    if locale == "el":
        return f"{whole.replace(',', '.')},{cents} €"
    return f"€{whole}.{cents}"


def day(value: str) -> str:
    """dd/mm/yyyy, as Greek offices print dates (a date-time is shown in Athens time)."""
    if "T" in value:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(ATHENS)
        return f"{moment:%d/%m/%Y %H:%M}"
    return f"{date.fromisoformat(value):%d/%m/%Y}"


def protocol_stamp(number: str, on: str) -> str:
    """As the registry stamps it: 28635/26-08-2022."""
    return f"{number}/{date.fromisoformat(on):%d-%m-%Y}"


def rf_display(rf_code: str) -> str:
    """Groups of four, as printed on payment slips."""
    compact = rf_code.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _person(data: Mapping[str, Any], key: str) -> tuple[str, str] | None:
    person = data.get(key)
    if isinstance(person, Mapping) and person.get("email"):
        return str(person["email"]), str(person.get("full_name") or "")
    return None


def outgoing(
    event: Event,
    departments: Mapping[str, list[str]],
    catalogue: Mapping[str, RequestType],
    citizen: bool = True,
) -> list[Outgoing]:
    """Every message this event makes; `citizen` False when the citizen chose the platform only.

    Followers and the citizen's choice are the audience's (I/O); this decides
    the rest from the event alone.
    """
    data = event.data
    locale = locale_of(data)
    if event.type == "request.registered":
        facts = _registered_facts(data, locale, catalogue)
        return _to(data, "citizen", "request_registered", locale, facts) if citizen else []
    if event.type == "business.checked":
        facts = _checked_facts(data, locale, catalogue)
        return _to(data, "citizen", "business_checked", locale, facts) if citizen else []
    if event.type == "application.ranked":
        facts = ranked_facts(data, locale, catalogue)
        return _to(data, "citizen", "application_ranked", locale, facts) if citizen else []
    if event.type == "payment.recorded":
        return _to(data, "payer", "payment_recorded", locale, _payment_facts(data, locale))
    if event.type == "request.status_changed":
        facts = status_facts(data, locale, catalogue)
        messages = _to(data, "citizen", "status_changed", locale, facts) if citizen else []
        if data.get("status") == "completed":
            department = _department(data, catalogue)
            staff_facts = {**status_facts(data, "el", catalogue), "department": department}
            messages += [
                Outgoing("request_completed_staff", "el", address, "", staff_facts)
                for address in departments.get(department, [])
            ]
        return messages
    raise PermanentError(f"the email plugin does not handle {event.type} events; check the routes")


def _department(data: Mapping[str, Any], catalogue: Mapping[str, RequestType]) -> str:
    """The department the portal named; else the catalogue's for the type; else the type itself."""
    request_type = str(data.get("request_type") or "")
    entry = catalogue.get(request_type)
    return str(data.get("department") or (entry.department if entry else None) or request_type)


def _to(
    data: Mapping[str, Any], who: str, template: str, locale: str, facts: dict[str, Any]
) -> list[Outgoing]:
    person = _person(data, who)
    return [Outgoing(template, locale, person[0], person[1], facts)] if person else []


def _common(
    data: Mapping[str, Any], locale: str, catalogue: Mapping[str, RequestType]
) -> dict[str, Any]:
    facts: dict[str, Any] = {"request_id": data.get("request_id", "")}
    if data.get("request_type"):
        request_type = str(data["request_type"])
        entry = catalogue.get(request_type)
        facts["request_type"] = entry.label(locale) if entry else request_type
    return facts


def _registered_facts(
    data: Mapping[str, Any], locale: str, catalogue: Mapping[str, RequestType]
) -> dict[str, Any]:
    return {
        **_common(data, locale, catalogue),
        "subject": data.get("subject", ""),
        "protocol_number": data["protocol_number"],
        "protocol_date": day(data["protocol_date"]),
        "protocol": protocol_stamp(data["protocol_number"], data["protocol_date"]),
        "registry": data.get("registry", ""),
    }


def status_facts(
    data: Mapping[str, Any], locale: str, catalogue: Mapping[str, RequestType]
) -> dict[str, Any]:
    facts = {
        **_common(data, locale, catalogue),
        "status": label(STATUS, str(data["status"]), locale),
        "completed": data["status"] == "completed",
        "comment": data.get("comment", ""),
        "changed_at": day(data["changed_at"]),
    }
    citizen = data.get("citizen") or {}
    facts["citizen_name"] = citizen.get("full_name", "")
    return facts


def _payment_facts(data: Mapping[str, Any], locale: str) -> dict[str, Any]:
    return {
        "payment_id": data["payment_id"],
        "receipt_number": data["receipt_number"],
        "amount": money(str(data["amount"]), locale),
        "rf_code": rf_display(str(data["rf_code"])),
        "posted_at": day(data["posted_at"]),
    }


def ranked_facts(
    data: Mapping[str, Any], locale: str, catalogue: Mapping[str, RequestType]
) -> dict[str, Any]:
    points = Decimal(str(data["points"])).quantize(Decimal("0.01"))
    return {
        **_common(data, locale, catalogue),
        "competition": data["competition"],
        "position_code": data.get("position_code") or "",
        "position": int(data["position"]),
        "candidates": int(data["candidates"]),
        "points": f"{points:.2f}".replace(".", ",") if locale == "el" else f"{points:.2f}",
        "provisional": bool(data.get("provisional", True)),
        "ranked_at": day(data["ranked_at"]),
    }


def _checked_facts(
    data: Mapping[str, Any], locale: str, catalogue: Mapping[str, RequestType]
) -> dict[str, Any]:
    main = [k for k in data.get("kad") or [] if k.get("kind") == "main"]
    return {
        **_common(data, locale, catalogue),
        "business_name": data["name"],
        "afm": data["afm"],
        "eligible": bool(data["eligible"]),
        "verdict": str(data.get("verdict") or ("eligible" if data["eligible"] else "not_eligible")),
        "active": bool(data.get("active", True)),
        "reasons": list(data.get("reasons") or []),
        # the codes, worded by the template in the message's language; an event of the first
        # contract has none, and its English reasons are shown as they are
        "reason_codes": [dict(r) for r in data.get("reason_codes") or [] if isinstance(r, dict)],
        "period": dict(data.get("period") or {}),
        "decision": data.get("decision") or "",
        "main_kad": [f"{_kad(k['code'])} {k.get('description', '')}".strip() for k in main],
        "rule": data.get("rule", ""),
    }


def _kad(code: str) -> str:
    return ".".join(code[i : i + 2] for i in range(0, len(code), 2))


# -- identity of a message ------------------------------------------------------------

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


def recipient_key(event_id: str, address: str) -> str:
    """The send record's key: the event and a hash of the address (no address kept in clear)."""
    return f"{event_id}:{hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]}"


def message_id(event_id: str, address: str, domain: str) -> str:
    """Derived from the event and the recipient, so a resend carries the same Message-ID."""
    safe = _ID_UNSAFE.sub("-", event_id).strip("-")[:100] or "event"
    digest = hashlib.sha256(f"{event_id}\0{address.strip().lower()}".encode()).hexdigest()[:12]
    return f"<{safe}.{digest}@{domain}>"
