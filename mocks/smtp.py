"""A mock mail server: aiosmtpd on the plugin's `url`, the framework's HTTP admin beside it.

Every message it takes is kept and listed at `/_mock/state` with its
envelope, decoded headers and its text and HTML parts. Faults, per message
(at the end of DATA):
- `error_status` is the SMTP reply: 421/450/451/452 temporary, 550-554
  permanent ("refuse"); any other value means 451;
- `error_phase: "after"` takes the message, then drops the connection
  without answering (the answer is lost, the message is not);
- `latency_ms` delays the answer ("slow"); `outage` drops the connection.
Addresses at `invalid.example` are refused at RCPT with 550, as a server
refuses a mailbox that does not exist. Given a TLS context (tests make one
with trustme), it speaks STARTTLS (and requires it) or TLS from the start;
`gateway mocks` serves plain SMTP.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
import warnings
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from mocks.base import MockBackend, RecordedRequest

SMTP_CODES = {421, 450, 451, 452, 550, 551, 552, 553, 554}
REFUSED_DOMAINS = ("invalid.example",)


class FakeSmtp(MockBackend):
    name = "email"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_host: str = "127.0.0.1",
        admin_port: int = 0,
        username: str | None = None,
        password: str | None = None,
        tls: str = "none",
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if tls not in ("none", "starttls", "implicit") or (tls != "none") != bool(tls_context):
            raise ValueError('tls is "none", or "starttls"/"implicit" with a tls_context')
        self.tls = tls
        self.tls_context = tls_context
        self.smtp_host = host
        self.smtp_port = port
        self.username = username
        self.password = password
        self.messages: list[dict[str, Any]] = []
        self._server: asyncio.Server | None = None
        self._ids = itertools.count(1)
        super().__init__(admin_host, admin_port)

    @property
    def smtp_url(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return f"{scheme}://{self.smtp_host}:{self.smtp_port}"

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol,
            self.smtp_host,
            self.smtp_port,
            ssl=self.tls_context if self.tls == "implicit" else None,
        )
        if self.smtp_port == 0:
            self.smtp_port = self._server.sockets[0].getsockname()[1]
        return await super().start()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        await super().stop()

    def _protocol(self) -> SMTP:
        with warnings.catch_warnings():
            # a loopback mock asks for a login without TLS on purpose; aiosmtpd warns about it
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return SMTP(
                self,
                hostname="mock-smtp.local",
                auth_required=bool(self.username),
                auth_require_tls=False,
                authenticator=self._authenticate if self.username else None,
                tls_context=self.tls_context if self.tls == "starttls" else None,
                require_starttls=self.tls == "starttls",
            )

    def state(self) -> dict[str, Any]:
        return {"messages": self.messages}

    def reset_state(self) -> None:
        self.messages.clear()

    # -- aiosmtpd handler hooks --------------------------------------------------------

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        login = getattr(data, "login", b"") or b""
        password = getattr(data, "password", b"") or b""
        ok = login.decode() == self.username and password.decode() == self.password
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(
        self,
        _server: SMTP,
        _session: Session,
        envelope: Envelope,
        address: str,
        _options: list[str],
    ) -> str:
        if address.lower().endswith(tuple("@" + d for d in REFUSED_DOMAINS)):
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, _session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        record = RecordedRequest(
            "SMTP",
            "DATA",
            {},
            {"MAIL FROM": str(envelope.mail_from), "RCPT TO": ", ".join(envelope.rcpt_tos)},
            raw.decode("utf-8", "replace"),
        )
        self.requests.append(record)
        faults = self.faults
        if faults.latency_ms and faults.latency_phase == "before":
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.outage:
            record.fault = "outage"
            _drop(server)
            return "421 4.3.2 gone"
        fail = self._should_fail()
        if fail and faults.error_phase == "before":
            code = faults.error_status if faults.error_status in SMTP_CODES else 451
            record.fault, record.answered = "error-before", code
            kind = "temporary" if code < 500 else "permanent"
            return f"{code} {'4' if code < 500 else '5'}.3.0 injected {kind} failure"
        queued = f"Q{next(self._ids):06d}"
        self.messages.append(_kept(raw, envelope, queued))
        if faults.latency_ms and faults.latency_phase == "after":
            record.fault = "held-after"
            await asyncio.sleep(faults.latency_ms / 1000)
        if fail:
            record.fault = "error-after"
            _drop(server)  # taken, and the answer never comes
            return "421 4.3.2 gone"
        record.answered = 250
        return f"250 2.0.0 Ok: queued as {queued}"


def _drop(server: SMTP) -> None:
    if isinstance(server.transport, asyncio.Transport):
        server.transport.abort()


def _kept(raw: bytes, envelope: Envelope, queued: str) -> dict[str, Any]:
    """What /_mock/state shows of a message: envelope, decoded headers, both parts."""
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    return {
        "queued_as": queued,
        "envelope_from": str(envelope.mail_from),
        "envelope_to": list(envelope.rcpt_tos),
        "message_id": _header(parsed, "Message-ID"),
        "subject": _header(parsed, "Subject"),
        "from": _header(parsed, "From"),
        "to": _header(parsed, "To"),
        "headers": {key: _header(parsed, key) for key in parsed.keys()},
        "text": _lines(text.get_content()) if text is not None else None,
        "html": _lines(html.get_content()) if html is not None else None,
        "raw_headers": raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace"),
    }


def _header(parsed: EmailMessage, name: str) -> str:
    """A header's decoded text; one whose decoded words hold CR or LF (legal on the wire, refused
    by the modern parser) is shown with CR and LF escaped instead of failing the whole message with a 500."""
    try:
        return str(parsed.get(name, ""))
    except ValueError:
        raw = next((v for k, v in parsed.raw_items() if k.lower() == name.lower()), "")
        decoded = str(make_header(decode_header(raw)))
        return decoded.replace("\r", "\\r").replace("\n", "\\n")


def _lines(content: str) -> str:
    return content.replace("\r\n", "\n")
