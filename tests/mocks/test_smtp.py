"""The SMTP mock as a real server: it keeps what it takes, shows it, and fails as asked."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest

from mocks.smtp import FakeSmtp


@pytest.fixture
async def smtp():  # type: ignore[no-untyped-def]
    mock = FakeSmtp()
    await mock.start()
    async with httpx.AsyncClient(base_url=mock.url) as admin:
        yield mock, admin
    await mock.stop()


def letter(to: str = "maria@example.gr") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Δήμος Σερρών <noreply@serres.gr>"
    message["To"] = f"Μαρία <{to}>"
    message["Subject"] = "Απόδειξη 125,40 €"
    message["Message-ID"] = "<m1@serres.gr>"
    message.set_content("Ποσό: 125,40 €")
    message.add_alternative("<p>Ποσό: 125,40 €</p>", subtype="html")
    return message


async def send(mock: FakeSmtp, message: EmailMessage, **options):  # type: ignore[no-untyped-def]
    return await aiosmtplib.send(
        message, hostname=mock.smtp_host, port=mock.smtp_port, timeout=2, **options
    )


async def test_keeps_messages_with_decoded_headers_and_parts(smtp) -> None:  # type: ignore[no-untyped-def]
    mock, admin = smtp
    await send(mock, letter())
    (kept,) = (await admin.get("/_mock/state")).json()["messages"]
    assert kept["subject"] == "Απόδειξη 125,40 €" and kept["to"] == "Μαρία <maria@example.gr>"
    assert kept["envelope_to"] == ["maria@example.gr"] and kept["message_id"] == "<m1@serres.gr>"
    assert kept["text"] == "Ποσό: 125,40 €\n" and "<p>Ποσό" in kept["html"]
    (record,) = (await admin.get("/_mock/requests")).json()
    assert (record["method"], record["answered"]) == ("SMTP", 250)
    await admin.post("/_mock/reset")
    assert (await admin.get("/_mock/state")).json()["messages"] == []


@pytest.mark.parametrize(
    ("status", "code"), [(451, 451), (421, 421), (550, 550), (554, 554), (503, 451)]
)
async def test_refusals_with_the_chosen_reply(smtp, status: int, code: int) -> None:  # type: ignore[no-untyped-def]
    mock, admin = smtp
    await admin.post("/_mock/faults", json={"fail_next": 1, "error_status": status})
    with pytest.raises(aiosmtplib.SMTPDataError) as caught:
        await send(mock, letter())
    assert caught.value.code == code and mock.messages == []
    await send(mock, letter())
    assert len(mock.messages) == 1


async def test_unknown_mailbox_is_refused_at_rcpt(smtp) -> None:  # type: ignore[no-untyped-def]
    mock, _admin = smtp
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send(mock, letter("nobody@invalid.example"))
    assert mock.messages == []


async def test_taken_then_dropped_and_outage(smtp) -> None:  # type: ignore[no-untyped-def]
    mock, admin = smtp
    await admin.post("/_mock/faults", json={"fail_next": 1, "error_phase": "after"})
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        await send(mock, letter())
    assert len(mock.messages) == 1  # it took the message; the answer never came
    await admin.post("/_mock/faults", json={"outage": True})
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        await send(mock, letter())
    assert len(mock.messages) == 1


async def test_slow_answers(smtp) -> None:  # type: ignore[no-untyped-def]
    mock, admin = smtp
    await admin.post("/_mock/faults", json={"latency_ms": 1500})
    with pytest.raises(aiosmtplib.SMTPTimeoutError):
        await aiosmtplib.send(letter(), hostname=mock.smtp_host, port=mock.smtp_port, timeout=0.3)


async def test_login_when_configured() -> None:
    mock = FakeSmtp(username="gw", password="pw")
    await mock.start()
    try:
        with pytest.raises(aiosmtplib.SMTPAuthenticationError):
            await send(mock, letter(), username="gw", password="no", start_tls=False)
        with pytest.raises(aiosmtplib.SMTPResponseException):
            await send(mock, letter(), start_tls=False)  # no login at all
        await send(mock, letter(), username="gw", password="pw", start_tls=False)
        assert len(mock.messages) == 1
    finally:
        await mock.stop()


@pytest.mark.parametrize(
    ("tls", "with_context"),
    [("starttls", False), ("implicit", False), ("ssl", True), ("none", True)],
)
def test_tls_needs_a_mode_and_a_context_together(tls: str, with_context: bool) -> None:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH) if with_context else None
    with pytest.raises(ValueError, match="tls is"):
        FakeSmtp(tls=tls, tls_context=context)
