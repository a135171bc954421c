"""The email connector against the SMTP mock as a real server: once per recipient, every refusal."""

from __future__ import annotations

import pytest

from gateway.errors import (
    ConfigurationError,
    ConnectionFailed,
    InvalidInputError,
    OutcomeUnknownError,
    PermanentError,
    TransientError,
)
from gateway.store import open_store
from gateway.store.send_records import SendRecordTable
from mocks.smtp import FakeSmtp
from tests.plugins.email.support import ADMIN, CITIZEN, connector, event


@pytest.fixture
async def cache(sqlite_url):  # type: ignore[no-untyped-def]
    store = await open_store(sqlite_url)
    yield SendRecordTable(store, "email")
    await store.close()


async def test_a_message_with_greek_headers_and_both_parts(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    result = (await sender.deliver(event("request.registered"))).result
    assert result["recipients"] == 1 and result["sent"][0]["to"] == "m***@example.gr"
    (message,) = smtp.messages
    assert message["envelope_from"] == "noreply@serres.gr"
    assert message["envelope_to"] == [CITIZEN]
    assert message["to"] == f"Μαρία Παπαδοπούλου <{CITIZEN}>"
    assert message["from"] == "Δήμος Σερρών <noreply@serres.gr>"
    assert message["subject"] == (
        "Η αίτησή σας REQ-2026-0001 πρωτοκολλήθηκε με αριθμό 28635/20-11-2026"
    )
    assert message["message_id"] == result["sent"][0]["message_id"]
    assert message["headers"]["Content-Language"] == "el"
    assert message["headers"]["Auto-Submitted"] == "auto-generated"
    assert "=?utf-8?" in message["raw_headers"]  # Greek headers travel RFC 2047-encoded
    assert "28635" in message["text"] and "<strong>28635</strong>" in message["html"]


async def test_a_retry_or_replay_sends_nothing_twice(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    completed = event("request.status_changed")  # to the citizen and the department's admin
    first = (await sender.deliver(completed)).result
    again = (await sender.deliver(completed)).result
    assert len(first["sent"]) == 2 and again["sent"] == []
    assert [line["message_id"] for line in again["already_sent"]] == [
        line["message_id"] for line in first["sent"]
    ]
    assert sorted(m["envelope_to"][0] for m in smtp.messages) == [ADMIN, CITIZEN]


async def test_temporary_refusal_is_transient_and_sent_on_the_next_attempt(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    smtp.set_faults(fail_next=1, error_status=451)
    with pytest.raises(
        TransientError, match=r"deferred the message: 451 4\.3\.0 injected temporary"
    ):
        await sender.deliver(event("payment.recorded"))
    assert smtp.messages == []
    assert len((await sender.deliver(event("payment.recorded"))).result["sent"]) == 1
    assert len(smtp.messages) == 1


async def test_permanent_refusal_keeps_the_servers_reply(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    smtp.set_faults(fail_next=1, error_status=554)
    with pytest.raises(PermanentError, match=r"554 5\.3\.0 injected permanent failure"):
        await sender.deliver(event("business.checked"))
    assert smtp.messages == []


async def test_an_unknown_mailbox_is_refused_and_the_others_still_get_theirs(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache, departments={"revenue": ["nobody@invalid.example", ADMIN]})
    with pytest.raises(PermanentError, match=r"n\*\*\*@invalid.example: 550 5.1.1"):
        await sender.deliver(event("request.status_changed"))
    assert sorted(m["envelope_to"][0] for m in smtp.messages) == [ADMIN, CITIZEN]


async def test_a_lost_answer_is_not_sent_again_but_waits_for_an_operator(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    registered = event("request.registered")
    smtp.set_faults(fail_next=1, error_phase="after")  # taken, then the connection drops
    with pytest.raises(TransientError, match="will not send it again"):
        await sender.deliver(registered)
    with pytest.raises(OutcomeUnknownError, match="look for the Message-ID"):
        await sender.deliver(registered)
    assert len(smtp.messages) == 1
    with pytest.raises(InvalidInputError):
        await sender.confirm(registered, {"sent": "maybe"})
    confirmed = (await sender.confirm(registered, {"sent": "yes"})).result
    assert confirmed["confirmed_sent"][0]["message_id"] == smtp.messages[0]["message_id"]
    assert (await sender.deliver(registered)).result["already_sent"]
    assert len(smtp.messages) == 1


async def test_released_messages_are_sent_again(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    registered = event("request.registered")
    smtp.set_faults(fail_next=1, error_phase="after")
    with pytest.raises(TransientError):
        await sender.deliver(registered)
    smtp.reset()  # the server's log shows nothing: the operator releases it
    await sender.release(registered)
    assert len((await sender.deliver(registered)).result["sent"]) == 1
    assert len(smtp.messages) == 1


async def test_login_and_a_refused_login(cache) -> None:  # type: ignore[no-untyped-def]
    mock = FakeSmtp(username="gateway", password="s3cret")
    await mock.start()
    try:
        good = connector(mock, cache, username="gateway", password="s3cret")
        await good.deliver(event("payment.recorded"))
        assert len(mock.messages) == 1 and (await good.health()).ok
        bad = connector(mock, cache, username="gateway", password="wrong")
        with pytest.raises(ConfigurationError, match="refused the login: 535"):
            await bad.deliver(event("request.registered"))
        health = await bad.health()
        assert not health.ok and "535" in health.detail
        anonymous = connector(mock, cache)
        with pytest.raises(PermanentError, match="530"):
            await anonymous.deliver(event("request.registered"))
    finally:
        await mock.stop()


async def test_unreachable_and_slow_servers(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    port = smtp.smtp_port
    await smtp.stop()
    sender = connector(smtp, cache)
    with pytest.raises(ConnectionFailed, match="cannot reach the mail server"):
        await sender.deliver(event("request.registered"))
    assert not (await sender.health()).ok
    slow = FakeSmtp(port=port)
    await slow.start()
    try:
        slow.set_faults(latency_ms=2000)
        with pytest.raises(TransientError):
            await connector(slow, cache, timeout=0.5).deliver(event("request.registered"))
    finally:
        await slow.stop()


async def test_nobody_to_tell_sends_nothing(smtp, cache) -> None:  # type: ignore[no-untyped-def]
    sender = connector(smtp, cache)
    quiet = event("payment.recorded")
    quiet = type(quiet)(
        **{**quiet.__dict__, "data": {k: v for k, v in quiet.data.items() if k != "payer"}}
    )
    assert (await sender.deliver(quiet)).result == {"sent": [], "already_sent": [], "recipients": 0}
    with pytest.raises(PermanentError, match=r"does not handle payment\.completed"):
        await sender.deliver(event("payment.completed"))
    assert smtp.messages == []


@pytest.fixture(scope="module")
def tls(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A private CA, a server certificate for 127.0.0.1 and the CA file a client trusts."""
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, str(ca_file)


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
async def test_tls_both_ways_and_an_untrusted_certificate(tls, cache, mode: str) -> None:  # type: ignore[no-untyped-def]
    context, ca_file = tls
    mock = FakeSmtp(tls=mode, tls_context=context, username="gw", password="pw")
    await mock.start()
    extra = {"starttls": True} if mode == "starttls" else {}
    try:
        assert mock.smtp_url.startswith("smtps://" if mode == "implicit" else "smtp://")
        trusted = connector(mock, cache, tls_ca_file=ca_file, username="gw", password="pw", **extra)
        await trusted.deliver(event("request.registered"))
        assert len(mock.messages) == 1 and (await trusted.health()).ok
        untrusted = connector(mock, cache, username="gw", password="pw", **extra)
        with pytest.raises(ConfigurationError, match="certificate we do not trust"):
            await untrusted.deliver(event("payment.recorded"))
        assert "tls_ca_file" in (await untrusted.health()).detail
        if mode == "starttls":  # the mock requires STARTTLS, as a submission server does
            plain = connector(mock, cache, username="gw", password="pw")
            with pytest.raises((ConfigurationError, PermanentError)):
                await plain.deliver(event("payment.recorded"))
        assert len(mock.messages) == 1
    finally:
        await mock.stop()
