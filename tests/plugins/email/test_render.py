"""Issue 12, finding 3: no name or address from an event can add, split or move a mail header."""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import aiosmtplib
import pytest

from gateway.plugin_api import Event, PermanentError
from gateway.request_types import BUILT_IN
from gateway.store import open_store
from gateway.store.send_records import SendRecordTable
from mocks.smtp import FakeSmtp
from plugins.email.messages import outgoing
from plugins.email.render import bare_address, one_line
from tests.plugins.email.support import CITIZEN, connector
from tests.plugins.email.test_templates import RENDERER, SETTINGS
from tests.support.events import example

HOSTILE_NAMES = [
    "Evil\r\nReply-To : attacker@evil.example",
    "Evil\r\n\r\nX",
    "Evil\nBcc: attacker@evil.example",
    "Νίκος\r\nReply-To: attacker@evil.example",
    "Νίκος\r\n\r\nΧ",
    "Tab\tand\x0bvertical\x1bescape",
]


def _message(full_name: str, email: str = CITIZEN) -> EmailMessage:
    data: dict[str, Any] = {"citizen": {"afm": "090165560", "full_name": full_name, "email": email}}
    event = Event.from_envelope(example("request.registered", data=data))
    (message,) = outgoing(event, SETTINGS.departments, BUILT_IN)
    parsed = message_from_bytes(RENDERER.email(message, event.id), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_with_line_breaks_stays_inside_its_header(name: str) -> None:
    parsed = _message(name)
    assert parsed["Reply-To"] is None and parsed["Bcc"] is None
    for header in ("Subject", "Date", "Message-ID", "From", "To"):
        assert parsed[header], f"{header} was pushed out of the headers"
    (address,) = parsed["To"].addresses
    assert address.addr_spec == CITIZEN
    assert "\r" not in address.display_name and "\n" not in address.display_name


@pytest.mark.parametrize(
    "address",
    [
        "Attacker <attacker@evil.example>",
        "a@b.gr, attacker@evil.example",
        "a@b.gr\r\nBcc: x@y.gr",
        "no-at-sign",
        '"quoted"@b.gr',
    ],
)
def test_only_a_bare_address_is_mailed(address: str) -> None:
    with pytest.raises(PermanentError, match="not a bare e-mail address"):
        bare_address(address)
    with pytest.raises(PermanentError):
        _message("Μαρία", email=address)


def test_one_line_keeps_the_words() -> None:
    assert one_line("Μαρία\r\nΠαπαδοπούλου\t\x1b ") == "Μαρία Παπαδοπούλου"


async def test_the_mail_server_gets_one_recipient_and_no_extra_header(sqlite_url) -> None:  # type: ignore[no-untyped-def]
    smtp = FakeSmtp()
    await smtp.start()
    store = await open_store(sqlite_url)
    try:
        sender = connector(smtp, SendRecordTable(store, "email"))
        data = {"citizen": {"afm": "090165560", "full_name": HOSTILE_NAMES[0], "email": CITIZEN}}
        event = Event.from_envelope(example("request.registered", data=data))
        await sender.deliver(event)
        (kept,) = smtp.messages
        assert kept["envelope_to"] == [CITIZEN]
        assert "Reply-To" not in kept["headers"]
        assert kept["subject"]
        await sender.aclose()
    finally:
        await store.close()
        await smtp.stop()


async def test_the_smtp_mock_takes_an_encoded_greek_name_holding_crlf() -> None:
    """Finding 13: legal on the wire, so the mock must not answer 500 (it did)."""
    smtp = FakeSmtp()
    await smtp.start()
    try:
        encoded = base64.b64encode("Νίκος\r\nBcc: x@y.gr".encode()).decode()
        raw = (
            f"From: noreply@serres.gr\r\nTo: =?utf-8?b?{encoded}?= <{CITIZEN}>\r\n"
            "Subject: test\r\nMessage-ID: <m1@serres.gr>\r\n\r\nbody\r\n"
        )
        host, port = smtp.smtp_url.removeprefix("smtp://").split(":")
        client = aiosmtplib.SMTP(hostname=host, port=int(port))
        await client.connect()
        errors, reply = await client.sendmail("noreply@serres.gr", [CITIZEN], raw.encode())
        await client.quit()
        assert errors == {}
        assert "queued" in reply
        assert "\\r\\n" in smtp.messages[0]["to"]
    finally:
        await smtp.stop()
