"""Every message in both languages: the subject and both parts carry the facts; HTML is escaped."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.plugin_api import Event
from gateway.request_types import BUILT_IN
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
    return [
        (m.template, RENDERER.render(m)) for m in outgoing(event, SETTINGS.departments, BUILT_IN)
    ]


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
    """An event of the first contract (eligible and English reasons, no codes) still reads well."""
    reasons = ["main ΚΑΔ 56.30.10.00 is covered by 56.30", "the list is ΑΔΣ 43/2020"]
    event = example("business.checked", data={"locale": locale})
    for key in ("verdict", "reason_codes", "decision", "period"):
        event["data"].pop(key)
    event["data"].update(eligible=eligible, reasons=reasons)
    ((template, message),) = [
        (m.template, RENDERER.render(m))
        for m in outgoing(Event.from_envelope(event), SETTINGS.departments, BUILT_IN)
    ]
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
            "reasons.j2",  # the fee-exemption reasons, imported by business_checked.j2
            "application_ranked.j2",
            "follow_started.j2",
            "follower_status_changed.j2",
        }
    )


CODES = [
    {"code": "KAD_NOT_LISTED", "kad": "62.01.00.00", "description": "ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ", "rule": "L 1"},
    {"code": "SECONDARY_ONLY", "kind": "secondary", "kad": "56.30.10.00", "description": "ΚΑΦΕ", "entry": "56.30", "rule": "L 1"},
    {"code": "DEACTIVATED", "stop_date": "2021-03-31"},
    {"code": "DEACTIVATED"},
    {"code": "STOPPED_BEFORE_PERIOD", "stop_date": "2024-05-01"},
    {"code": "FORMER_PROFESSIONAL"},
    {"code": "NO_MAIN_KAD"},
    {"code": "PERIOD_BEYOND_REGISTRY_WINDOW", "period_from": "2020-03-14", "action": "referred to a clerk"},
]  # fmt: skip
WORDED = {
    "el": [
        "ο κύριος ΚΑΔ 62.01.00.00 (ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ) δεν περιλαμβάνεται στον κατάλογο L 1",
        "ο δευτερεύων ΚΑΔ 56.30.10.00 (ΚΑΦΕ) περιλαμβάνεται στον κατάλογο L 1, αλλά η απόφαση λαμβάνει υπόψη μόνο τον κύριο ΚΑΔ",
        "ο ΑΦΜ είναι απενεργοποιημένος από 2021-03-31",
        "ο ΑΦΜ είναι απενεργοποιημένος·",
        "η επιχείρηση διέκοψε τη δραστηριότητά της στις 2024-05-01, πριν ή μέσα στην περίοδο της απόφασης",
        "το μητρώο χαρακτηρίζει την επιχείρηση ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑ",
        "το μητρώο δεν αναφέρει κύριο ΚΑΔ για την επιχείρηση",
        "η περίοδος της απόφασης αρχίζει στις 2020-03-14, νωρίτερα από όσο φτάνει το μητρώο της ΑΑΔΕ (3 έτη)· η αίτηση παραπέμπεται σε υπάλληλο",
    ],
    "en": [
        "main ΚΑΔ 62.01.00.00 (ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ) is not on the list L 1",
        "secondary ΚΑΔ 56.30.10.00 (ΚΑΦΕ) is on the list L 1, but the decision counts the main ΚΑΔ only",
        "the ΑΦΜ is deactivated since 2021-03-31",
        "the ΑΦΜ is deactivated;",
        "the business stopped trading on 2024-05-01, before or within the decision's period",
        "the registry lists the business as a former professional (ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ)",
        "the registry lists no main ΚΑΔ for this business",
        "the decision's period starts 2020-03-14, earlier than AADE's registry reaches back (3 years); the application goes to a clerk",
    ],
}  # fmt: skip
OUTCOME = {
    ("el", "eligible"): "δικαιούται απαλλαγή",
    ("el", "not_eligible"): "δεν δικαιούται απαλλαγή",
    ("el", "needs_review"): "εξετάζεται από υπάλληλο",
    ("en", "eligible"): ": eligible for",
    ("en", "not_eligible"): "not eligible",
    ("en", "needs_review"): "a clerk decides",
}


@pytest.mark.parametrize("locale", ["el", "en"])
@pytest.mark.parametrize("verdict", ["eligible", "not_eligible", "needs_review"])
def test_reason_codes_are_worded_in_the_citizens_language(locale: str, verdict: str) -> None:
    """A Greek e-mail gives its reasons in Greek: the codes are worded by the templates."""
    ((_t, message),) = rendered(
        "business.checked",
        locale,
        verdict=verdict,
        eligible=verdict == "eligible",
        reason_codes=CODES,
    )
    assert OUTCOME[(locale, verdict)] in message.subject
    everywhere(message, *WORDED[locale])
    assert "2024-03-14" in message.text  # the decision's period
    if locale == "el":
        assert "is not on the list" not in message.text  # no English in a Greek e-mail


def test_a_missing_fact_is_an_error_not_a_blank() -> None:
    import jinja2

    from plugins.email.messages import Outgoing

    with pytest.raises(jinja2.UndefinedError):
        RENDERER.render(Outgoing("payment_recorded", "el", "a@b.gr", "A", {"amount": "1,00 €"}))
