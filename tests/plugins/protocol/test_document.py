"""Issue 12, finding 11: a document a word processor could not open is never sent to ΙΡΙΔΑ."""

from __future__ import annotations

import io
import zipfile

import pytest

from gateway.plugin_api import Event, PermanentError
from mocks.irida import FakeIrida
from plugins.protocol.document import application_docx, checked
from plugins.protocol.mapping import application
from plugins.protocol.settings import DEFAULT_DEPARTMENTS
from tests.plugins.protocol.support import section
from tests.support.events import example
from tests.support.settings import build_settings
from tests.support.store import store_as_is


def _app(description: str):  # type: ignore[no-untyped-def]
    event = Event.from_envelope(example("request.submitted", data={"description": description}))
    return application(event, "evt-1:protocol", DEFAULT_DEPARTMENTS)


@pytest.mark.parametrize("bad", ["\x01", "a\x0bb", "\x1b[31m", "\ufffe"])
def test_a_control_character_makes_a_permanent_error_not_a_broken_file(bad: str) -> None:
    with pytest.raises(PermanentError, match="would not open"):
        application_docx(_app(f"Περιγραφή {bad} εδώ"))


def test_line_breaks_tabs_and_greek_make_a_document_that_opens() -> None:
    docx = application_docx(_app("Γραμμή 1\nΓραμμή 2\tμε στηλοθέτη & <σύμβολα>"))
    text = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "&lt;σύμβολα&gt;" in text


def test_checked_refuses_what_is_not_a_zip_of_xml() -> None:
    with pytest.raises(PermanentError):
        checked(b"not a zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed></w:document>")
    with pytest.raises(PermanentError):
        checked(buffer.getvalue())


async def test_irida_is_not_sent_a_document_that_would_not_open(
    start_gateway, database_url
) -> None:  # type: ignore[no-untyped-def]
    mock = FakeIrida()
    await mock.start()
    try:
        settings = build_settings(
            database_url,
            {"protocol": section("irida", mock)},
            [{"type": "request.submitted", "plugins": ["protocol"]}],
        )
        portal, app = await start_gateway(settings)
        event = example("request.submitted", data={"description": "κείμενο\x01με έλεγχο"})
        # stored as an event from before intake refused control characters would be
        await store_as_is(app, event, ["protocol"])
        (delivery,) = (await portal.wait_settled(event["id"]))["deliveries"]
        assert delivery["state"] == "dead"
        assert delivery["last_error_kind"] == "permanent"
        assert "would not open" in delivery["last_error"]
        assert mock.registrations_of(f"[ref:{event['id']}:protocol]") == []
    finally:
        await mock.stop()
