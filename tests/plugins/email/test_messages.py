"""Who gets what: recipients, administrators, formatting of facts, identities of messages."""

from __future__ import annotations

import pytest

from gateway.errors import PermanentError
from gateway.request_types import BUILT_IN
from plugins.email.messages import day, message_id, money, outgoing, recipient_key, rf_display
from tests.plugins.email.support import ADMIN, CITIZEN, event


def test_completed_with_no_department_falls_back_to_the_request_type() -> None:
    completed = event("request.status_changed", department="")
    by_type = outgoing(completed, {"fee_exemption": ["fees@serres.gr"]}, BUILT_IN)
    assert [m.to_address for m in by_type] == [CITIZEN, "fees@serres.gr"]
    assert [m.to_address for m in outgoing(completed, {"revenue": [ADMIN]}, BUILT_IN)] == [CITIZEN]


def test_recipients_per_event_type() -> None:
    assert [m.to_address for m in outgoing(event("request.registered"), {}, BUILT_IN)] == [CITIZEN]
    assert [m.to_address for m in outgoing(event("payment.recorded"), {}, BUILT_IN)] == [CITIZEN]
    assert [m.to_address for m in outgoing(event("business.checked"), {}, BUILT_IN)] == [CITIZEN]
    with pytest.raises(PermanentError, match="check the routes"):
        outgoing(event("request.submitted"), {}, BUILT_IN)


def test_an_unknown_locale_is_greek() -> None:
    registered = event("request.registered")
    data = {**registered.data, "locale": "fr"}
    (message,) = outgoing(type(registered)(**{**registered.__dict__, "data": data}), {}, BUILT_IN)
    assert message.locale == "el"


def test_money_and_dates() -> None:
    assert money("1000000.00", "el") == "1.000.000,00 €" and money("3.10", "en") == "€3.10"
    with pytest.raises(PermanentError):
        money("twelve", "el")
    assert day("2026-11-20") == "20/11/2026"
    assert day("2026-11-20T22:30:00Z") == "21/11/2026 00:30"  # Athens time
    assert rf_display("rf18539007547034") == "RF18 5390 0754 7034"


def test_message_ids_are_stable_per_event_and_recipient() -> None:
    first = message_id("evt-1:x", "A@B.gr", "serres.gr")
    assert first == message_id("evt-1:x", "a@b.gr ", "serres.gr")
    assert first != message_id("evt-1:x", "c@b.gr", "serres.gr")
    assert first != message_id("evt-2:x", "a@b.gr", "serres.gr")
    assert first.startswith("<evt-1-x.") and first.endswith("@serres.gr>")
    assert message_id("<>@ ", "a@b.gr", "d.gr").startswith("<event.")
    key = recipient_key("evt-1", "maria@example.gr")
    assert "maria" not in key and key == recipient_key("evt-1", "MARIA@example.gr")


def test_a_receipt_without_a_payer_sends_nothing() -> None:
    """A DIAS payment may come without a payer: its receipt e-mail goes only where there is an address."""
    recorded = event("payment.recorded")
    data = {k: v for k, v in recorded.data.items() if k != "payer"}
    assert (
        outgoing(type(recorded)(recorded.id, recorded.type, recorded.source, data), {}, BUILT_IN)
        == []
    )
    assert len(outgoing(recorded, {}, BUILT_IN)) == 1
