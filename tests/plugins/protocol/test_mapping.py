"""Pure mapping: application from the event, registry answers, operator facts, the document."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from gateway.errors import InvalidInputError, PermanentError
from gateway.plugin_api import Event
from plugins.protocol.document import application_docx, file_name, lines
from plugins.protocol.mapping import (
    application,
    carries_reference,
    confirmed_registration,
    irida_registration,
    irida_subject,
    name_key,
    parse_reg_no,
    registered_data,
    result,
)
from plugins.protocol.settings import DEFAULT_DEPARTMENTS
from tests.support.events import example

TODAY = date(2026, 11, 22)


def event(**data: object) -> Event:
    return Event.from_envelope(example("request.submitted", data=data))


def test_application_takes_the_department_of_its_type() -> None:
    app = application(event(), "e:protocol", DEFAULT_DEPARTMENTS)
    assert app.department == "Τμήμα Εσόδων" and app.reference == "e:protocol"
    assert app.sender == {
        "full_name": "Μαρία Παπαδοπούλου",
        "afm": "094259216",
        "email": "maria.papadopoulou@example.gr",
    }


def test_application_refuses_what_it_cannot_register() -> None:
    with pytest.raises(PermanentError, match="no department is configured for request type"):
        application(event(), "e:p", {})
    wrong = Event.from_envelope(example("payment.completed"))
    with pytest.raises(PermanentError, match=r"not payment\.completed; check the routes"):
        application(wrong, "e:p", DEFAULT_DEPARTMENTS)


@pytest.mark.parametrize(
    ("reg_no", "number", "when"),
    [
        ("28635/26-08-2022", "28635", date(2022, 8, 26)),
        ("28635 / 2022-08-26", "28635", date(2022, 8, 26)),
        ("28635", "28635", TODAY),
        (28635, "28635", TODAY),
        ("Δ.123/1-2-2026", "Δ.123", date(2026, 2, 1)),
    ],
)
def test_reg_no_forms(reg_no, number, when) -> None:  # type: ignore[no-untyped-def]
    registration = parse_reg_no(reg_no, TODAY, "irida")
    assert (registration.protocol_number, registration.protocol_date) == (number, when)


@pytest.mark.parametrize("reg_no", [None, "", "ΑΝΕΥ", "1/2/3", "12/40-13-2026", True, "a b"])
def test_reg_no_that_is_not_a_number(reg_no) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        parse_reg_no(reg_no, TODAY, "irida")


def test_irida_answer_takes_our_recipient() -> None:
    body = {"data": [{"rootId": 1, "regNo": "5/01-01-2026"}, {"rootId": "2", "regNo": "9"}]}
    assert irida_registration(body, "2", TODAY, "irida").protocol_number == "9"
    assert irida_registration(body, "7", TODAY, "irida").protocol_number == "5"
    for bad in ({}, {"data": []}, {"data": ["x"]}, [], "text"):
        with pytest.raises(ValueError):
            irida_registration(bad, "1", TODAY, "irida")


def test_subject_carries_the_reference_at_its_end() -> None:
    app = application(event(), "evt-1:protocol", DEFAULT_DEPARTMENTS)
    subject = irida_subject(app)
    assert carries_reference(subject, "evt-1:protocol")
    assert not carries_reference(subject, "evt-1")
    assert not carries_reference(None, "evt-1:protocol")


def test_greek_names_match_without_accents_or_case() -> None:
    assert name_key("ΓΡΑΦΕΙΟ  ΠΡΩΤΟΚΟΛΛΟΥ") == name_key("Γραφείο Πρωτοκόλλου")
    assert name_key("Τμήμα Εσόδων") != name_key("Τμήμα Ταμείου")


def test_request_registered_data_keeps_what_the_email_needs() -> None:
    cause = event(locale="en")
    registration = parse_reg_no("7/01-02-2026", TODAY, "irida")
    data = registered_data(cause, result("REQ-2026-0001", registration))
    assert data == {
        "request_id": "REQ-2026-0001",
        "protocol_number": "7",
        "protocol_date": "2026-02-01",
        "registry": "irida",
        "citizen": cause.data["citizen"],
        "request_type": "fee_exemption",
        "subject": cause.data["subject"],
        "locale": "en",
    }


def test_operator_facts() -> None:
    ok = confirmed_registration({"protocol_number": " 42 ", "protocol_date": "2026-11-22"}, "x")
    assert (ok.protocol_number, ok.protocol_date, ok.registry) == ("42", TODAY, "x")
    for facts, match in (
        ({}, "protocol_number is required"),
        ({"protocol_number": "1" * 65, "protocol_date": "2026-01-01"}, "1 to 64"),
        ({"protocol_number": "1", "protocol_date": "22-11-2026"}, "ISO date"),
        ({"protocol_number": "1", "protocol_date": "2026-11-22", "x": 1}, "unknown fact"),
    ):
        with pytest.raises(InvalidInputError, match=match):
            confirmed_registration(facts, "x")


def test_the_document_is_a_word_file_with_the_application() -> None:
    app = application(event(), "evt-1:protocol", DEFAULT_DEPARTMENTS)
    archive = zipfile.ZipFile(io.BytesIO(application_docx(app)))
    assert set(archive.namelist()) == {"[Content_Types].xml", "_rels/.rels", "word/document.xml"}
    text = archive.read("word/document.xml").decode()
    for line, _bold in lines(app):
        assert line.replace("&", "&amp;") in text
    assert "ΚΑΦΕΝΕΙΟ" not in text  # the business name is not the applicant
    assert file_name(app) == "aitisi-REQ-2026-0001.docx"
    weird = application(event(request_id="a/b c<d>"), "r", DEFAULT_DEPARTMENTS)
    assert file_name(weird) == "aitisi-a-b-c-d-.docx"
    assert (
        "a/b c&lt;d&gt;"
        in zipfile.ZipFile(io.BytesIO(application_docx(weird))).read("word/document.xml").decode()
    )
