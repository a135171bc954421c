"""Every message in both languages: the subject and both parts carry the facts; HTML is escaped."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.plugin_api import Event
from plugins.email.messages import outgoing
from plugins.email.render import Renderer, environment
from plugins.email.settings import EmailSettings
from tests.plugins.email.support import ADMIN
from tests.support.events import example

SETTINGS = EmailSettings(
    url="smtp://127.0.0.1:2525",
    from_address="noreply@serres.gr",
    departments={"revenue": [ADMIN]},
    portal_url="https://eservices.serres.gr",
)
RENDERER = Renderer(SETTINGS)


def rendered(event_type: str, locale: str, **data: Any) -> list[tuple[str, Any]]:
    event = Event.from_envelope(example(event_type, data={"locale": locale, **data}))
    return [(m.template, RENDERER.render(m)) for m in outgoing(event, SETTINGS.departments)]


def everywhere(message: Any, *facts: str) -> None:
    for fact in facts:
        assert fact in message.text, f"{fact!r} not in the text part"
        assert fact in message.html, f"{fact!r} not in the HTML part"


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("el", "Η αίτησή σας REQ-2026-0001 πρωτοκολλήθηκε με αριθμό 28635/20-11-2026"),
        ("en", "Your application REQ-2026-0001 was registered with protocol number 28635/20-11-2026"),
    ],
)  # fmt: skip
def test_registered(locale: str, subject: str) -> None:
    ((template, message),) = rendered("request.registered", locale)
    assert template == "request_registered" and message.subject == subject
    everywhere(message, "28635", "20/11/2026", "REQ-2026-0001", "Μαρία Παπαδοπούλου")
    assert ("Απαλλαγή από τέλη" if locale == "el" else "Exemption from cleaning") in message.text
    assert "https://eservices.serres.gr" in message.text and f'lang="{locale}"' in message.html


@pytest.mark.parametrize("locale", ["el", "en"])
def test_completed_status_goes_to_the_citizen_and_the_departments_admins(locale: str) -> None:
    (citizen_template, citizen), (staff_template, staff) = rendered(
        "request.status_changed", locale
    )
    assert (citizen_template, staff_template) == ("status_changed", "request_completed_staff")
    status = "Ολοκληρώθηκε" if locale == "el" else "completed"
    assert citizen.subject.endswith(status) and "REQ-2026-0001" in citizen.subject
    everywhere(citizen, status, "Η απαλλαγή εγκρίθηκε.", "21/11/2026 11:59")
    # staff read Greek whatever the citizen's language
    assert staff.subject.startswith("Ολοκληρώθηκε η αίτηση REQ-2026-0001")
    everywhere(staff, "Μαρία Παπαδοπούλου", "revenue", "Η απαλλαγή εγκρίθηκε.")


@pytest.mark.parametrize("locale", ["el", "en"])
def test_other_statuses_go_to_the_citizen_only(locale: str) -> None:
    ((template, message),) = rendered(
        "request.status_changed", locale, status="needs_info", comment="Λείπει το μισθωτήριο."
    )
    assert template == "status_changed"
    label = "Απαιτούνται συμπληρωματικά στοιχεία" if locale == "el" else "more information needed"
    everywhere(message, label, "Λείπει το μισθωτήριο.")
    assert ("ολοκληρώθηκε" if locale == "el" else "complete.") not in message.text


@pytest.mark.parametrize(
    ("locale", "amount", "shown"),
    [("el", "125.40", "125,40 €"), ("en", "125.40", "€125.40"), ("el", "1234.50", "1.234,50 €"), ("en", "0.05", "€0.05")],
)  # fmt: skip
def test_receipt_amounts_to_the_cent(locale: str, amount: str, shown: str) -> None:
    ((template, message),) = rendered("payment.recorded", locale, amount=amount)
    assert template == "payment_recorded"
    assert message.subject.endswith(shown)
    everywhere(message, shown, "ΓΡ-2026-000154", "RF18 5390 0754 7034", "PAY-2026-0001")


@pytest.mark.parametrize("locale", ["el", "en"])
@pytest.mark.parametrize("eligible", [True, False])
def test_verdict_and_its_reasons(locale: str, eligible: bool) -> None:
    reasons = ["main ΚΑΔ 56.30.10.00 is covered by 56.30", "the list is ΑΔΣ 43/2020"]
    ((template, message),) = rendered(
        "business.checked", locale, eligible=eligible, reasons=reasons
    )
    assert template == "business_checked"
    verdict = {
        ("el", True): "δικαιούται απαλλαγή",
        ("el", False): "δεν δικαιούται απαλλαγή",
        ("en", True): ": eligible for",
        ("en", False): "not eligible",
    }[(locale, eligible)]
    assert verdict in message.subject and "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ" in message.subject
    everywhere(message, *reasons, "090165560", "56.30.10.00")


def test_html_escapes_what_people_typed() -> None:
    ((_t, message),) = rendered(
        "request.registered", "el", subject="<script>alert(1)</script> & «άλλα»"
    )
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "<script>alert(1)</script> & «άλλα»" in message.text


def test_every_template_exists_in_both_languages() -> None:
    names = {name for name in environment().list_templates() if "/" in name}
    el = {n.split("/")[1] for n in names if n.startswith("el/")}
    en = {n.split("/")[1] for n in names if n.startswith("en/")}
    assert (
        el
        == en
        == {
            "request_registered.j2",
            "status_changed.j2",
            "request_completed_staff.j2",
            "payment_recorded.j2",
            "business_checked.j2",
        }
    )


def test_a_missing_fact_is_an_error_not_a_blank() -> None:
    import jinja2

    from plugins.email.messages import Outgoing

    with pytest.raises(jinja2.UndefinedError):
        RENDERER.render(Outgoing("payment_recorded", "el", "a@b.gr", "A", {"amount": "1,00 €"}))
