"""The demo's applications and payments: one of each request type, a card and a DIAS payment.

The events are built from gateway/contracts/examples, as the portal would post them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.contracts import contracts_dir

ATHENS = ZoneInfo("Europe/Athens")

#: what an ASEP candidate declares (the shipped data_schema of asep_hiring_application)
ASEP_COMPETITION = "ΣΟΧ 1/2026"
ASEP_DETAILS: dict[str, Any] = {
    "competition": ASEP_COMPETITION,
    "position_code": "101",
    "criteria": {"unemployment_months": 8, "children": 2, "degree_grade": 7.5},
}

#: one application of each request type (domain file §7): type, subject, what else it carries
APPLICATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("fee_exemption", "Απαλλαγή από τέλη καθαριότητας και φωτισμού", {}),
    ("tap_no_debt_certificate", "Βεβαίωση μη οφειλής ΤΑΠ", {"locale": "en"}),
    ("civil_registry_certificate", "Πιστοποιητικό γέννησης", {}),
    ("asep_hiring_application", "Αίτηση στην προκήρυξη ΣΟΧ 1/2026", {"details": ASEP_DETAILS}),
    ("document_order", "Αντίγραφο ληξιαρχικής πράξης γάμου", {}),
    (
        "everyday_report",
        "Σβηστός λαμπτήρας οδοφωτισμού",
        {"report": {"category": "street_lighting", "location": "Οδός Μεραρχίας 12, Σέρρες"}},
    ),
]


def example_event(event_type: str) -> dict[str, Any]:
    path = contracts_dir() / "examples" / f"{event_type}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def story_events() -> Iterator[dict[str, Any]]:
    """One application of each type, the fee exemption's completion, a card and a DIAS payment."""
    template = example_event("request.submitted")
    for number, (request_type, subject, extra) in enumerate(APPLICATIONS, start=1):
        event = copy.deepcopy(template)
        request_id = f"REQ-2026-{number:04d}"
        event["id"] = f"evt-req-{number:04d}"
        event["subject"] = f"request/{request_id}"
        data = event["data"]
        data.update(request_id=request_id, request_type=request_type, subject=subject, **extra)
        data["description"] = f"{subject}: αίτηση μέσω της πλατφόρμας."
        if request_type != "fee_exemption":
            data.pop("business", None)
        yield event
    yield example_event("request.status_changed")
    paid_now = datetime.now(ATHENS).isoformat(timespec="seconds")  # today's, to reconcile today
    card = example_event("payment.completed")
    card["data"]["paid_at"] = paid_now
    yield card
    dias = dias_payment()
    dias["data"]["paid_at"] = paid_now
    yield dias


#: the mock's grouped notice (two cleaning-fee debts of 40.00 under one RF)
DIAS_RF = "RF710000094014298"


def dias_payment() -> dict[str, Any]:
    """A citizen pays through e-banking (DIAS): the portal hears of it with the RF and amount only."""
    event = example_event("payment.completed")
    event["id"] = "evt-pay-dias-0001"
    event["subject"] = "payment/DIAS-2026-0001"
    data = event["data"]
    for key in ("payer", "payment_id", "debt_category"):
        data.pop(key, None)
    data.update(rf_code=DIAS_RF, amount="40.00", channel="dias")
    return event
