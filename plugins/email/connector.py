"""Sending over SMTP, each message at most once per event and recipient.

SMTP cannot be asked "did you take this one?", so the connector keeps a
record per (event, recipient) in `gateway.send_log`: "sending" just before
the message data goes out, "done" after the server's 250. A reply
that refuses the data means nothing was taken and the record is dropped. A
connection lost after the data went out leaves "sending": the next attempt
does not send that message again but stops as `outcome_unknown`, naming
the Message-ID to look for in the mail server's log; an operator then
confirms (it was sent) or releases it (send again). Messages to other
recipients of the same event go on regardless.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

import aiosmtplib

from gateway.plugin_api import (
    DONE,
    SENDING,
    ConfigurationError,
    ConfirmField,
    ConnectionFailed,
    DeliveryResult,
    Event,
    Health,
    InvalidInputError,
    OutcomeUnknownError,
    PermanentError,
    PluginContext,
    SendLog,
    TransientError,
    backend_span,
    mark_backend_call,
    mask,
)
from plugins.email.audience import PLATFORM_ONLY, Audience
from plugins.email.messages import (
    LOCALES,
    Outgoing,
    message_id,
    outgoing,
    recipient_key,
    status_facts,
)
from plugins.email.render import Renderer, one_line
from plugins.email.settings import EmailSettings

LOST = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError)


class EmailConnector:
    #: confirming takes no facts: the server's log showed the messages were taken
    confirm_fields: tuple[ConfirmField, ...] = ()

    def __init__(self, context: PluginContext) -> None:
        settings = context.settings
        assert isinstance(settings, EmailSettings)
        self.settings = settings
        self.sends = SendLog(context.send_records, settings.in_doubt_days)
        self.renderer = Renderer(settings)
        self.catalogue = context.request_types
        self.audience = Audience(context.cache, settings)
        #: the last refusal of our login; /readyz shows it until a login succeeds
        self.configuration_fault: str | None = None

    # -- delivery ------------------------------------------------------------------------

    async def messages(self, event: Event) -> tuple[list[Outgoing], dict[str, Any]]:
        """Every message of the event, and what the result says besides (the citizen's choice)."""
        notes: dict[str, Any] = {}
        if event.type == "request.followed":
            return [self.audience.follow_started(event)], notes
        wants = await self.audience.wants_email(event.data)
        if not wants:
            notes["citizen"] = PLATFORM_ONLY
        messages = outgoing(event, self.settings.departments, self.catalogue, citizen=wants)
        if event.type == "request.status_changed":
            facts = {locale: status_facts(event.data, locale, self.catalogue) for locale in LOCALES}
            citizen = event.data.get("citizen") or {}
            told = [m.to_address for m in messages] + [str(citizen.get("email") or "")]
            messages += await self.audience.follower_messages(event.data, facts, told)
        return messages, notes

    async def deliver(self, event: Event) -> DeliveryResult:
        if event.type == "request.unfollowed":
            return DeliveryResult(result=await self.audience.unfollow(event))
        followed = await self.audience.follow(event) if event.type == "request.followed" else {}
        messages, notes = await self.messages(event)
        notes.update(followed)
        sent: list[dict[str, str]] = []
        already, in_doubt, refused = [], [], []
        pending = []
        for message in messages:
            state = await self.sends.state(recipient_key(event.id, message.to_address))
            if state == DONE:
                already.append(self._line(event.id, message))
            elif state == SENDING:
                in_doubt.append(self._line(event.id, message))
            else:
                pending.append(message)
        # every message is built before the server is called: a message that cannot be
        # built is the event's fault (permanent), not the mail server's
        built = [(message, self.renderer.email(message, event.id)) for message in pending]
        if built:
            async with self._session() as smtp:
                for message, email in built:
                    outcome = await self._send(smtp, event.id, message, email)
                    line = self._line(event.id, message)
                    if outcome is None:
                        sent.append(line)
                    else:
                        refused.append(f"{line['to']}: {outcome}")
        if in_doubt:
            ids = ", ".join(f"{line['message_id']} to {line['to']}" for line in in_doubt)
            raise OutcomeUnknownError(
                f"the mail server may have taken {ids}: the connection was lost after the "
                "message was sent; look for the Message-ID in the server's log",
                code="smtp_answer_lost",
            )
        if refused:
            raise PermanentError("the mail server refused: " + "; ".join(refused))
        return DeliveryResult(
            result={"sent": sent, "already_sent": already, "recipients": len(messages), **notes}
        )

    def _line(self, event_id: str, message: Outgoing) -> dict[str, str]:
        """What the delivery's result keeps: no address in clear (it outlives the payload)."""
        return {
            "to": mask(message.to_address),
            "template": f"{message.locale}/{message.template}",
            "message_id": message_id(event_id, message.to_address, self.settings.id_domain),
        }

    async def _send(
        self, smtp: aiosmtplib.SMTP, event_id: str, message: Outgoing, email: Any
    ) -> str | None:
        """Send one; None when sent, the server's words when it refused for good."""
        with backend_span("smtp send", **{"server.address": self.settings.host}):
            return await self._send_traced(smtp, event_id, message, email)

    async def _send_traced(
        self, smtp: aiosmtplib.SMTP, event_id: str, message: Outgoing, email: Any
    ) -> str | None:
        key = recipient_key(event_id, message.to_address)
        try:
            await smtp.mail(self.settings.from_address)
            await smtp.rcpt(message.to_address)
        except aiosmtplib.SMTPResponseException as exc:
            await _reset(smtp)
            return _refusal(exc)  # raises for a temporary refusal
        except LOST as exc:
            raise TransientError(f"the mail server went away before the message: {exc}") from exc
        await self.sends.sending(key)
        try:
            await smtp.data(email)
        except aiosmtplib.SMTPResponseException as exc:
            await self.sends.forget(key)  # the server answered: it did not take the message
            await _reset(smtp)
            return _refusal(exc)
        except LOST as exc:
            raise TransientError(
                f"the connection was lost after the message was sent ({type(exc).__name__}); "
                "the next attempt will not send it again"
            ) from exc
        await self.sends.done(key)
        return None

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[aiosmtplib.SMTP]:
        """One SMTP connection for one delivery's messages, closed however the delivery ends."""
        smtp = await self._connect()
        try:
            yield smtp
        finally:
            try:
                if smtp.is_connected:
                    await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        mark_backend_call()
        settings = self.settings
        context = None
        if settings.implicit_tls or settings.starttls:
            context = ssl.create_default_context(cafile=settings.tls_ca_file)
            if not settings.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        smtp = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=settings.implicit_tls,
            start_tls=settings.starttls,
            tls_context=context,
            timeout=settings.timeout,
        )
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError, OSError) as exc:
            if _untrusted(exc):
                self.configuration_fault = (
                    f"the mail server {settings.url} has a certificate we do not trust ({exc}); "
                    "set tls_ca_file to its CA"
                )
                raise ConfigurationError(self.configuration_fault, code="smtp_tls") from exc
            raise ConnectionFailed(f"cannot reach the mail server {settings.url}: {exc}") from exc
        except aiosmtplib.SMTPException as exc:
            raise TransientError(f"the mail server {settings.url} failed to greet: {exc}") from exc
        if settings.username:
            try:
                await smtp.login(settings.username, settings.password or "")
            except aiosmtplib.SMTPAuthenticationError as exc:
                smtp.close()
                self.configuration_fault = (
                    f"the mail server refused the login: {exc.code} {exc.message}"
                )
                raise ConfigurationError(self.configuration_fault, code=f"smtp_{exc.code}") from exc
            except aiosmtplib.SMTPException as exc:
                smtp.close()
                raise TransientError(f"login to the mail server failed: {exc}") from exc
            self.configuration_fault = None
        return smtp

    # -- operators settle a message in doubt ---------------------------------------------------

    async def confirm(self, event: Event, facts: Mapping[str, Any]) -> DeliveryResult:
        """The server's log shows the messages in doubt were taken: they count as sent."""
        answer = str(facts.get("sent", "yes")).lower()
        if any(key != "sent" for key in facts) or answer not in ("yes", "true"):
            raise InvalidInputError('confirm takes no facts, or {"sent": "yes"}')
        lines = []
        for message in (await self.messages(event))[0]:
            key = recipient_key(event.id, message.to_address)
            if await self.sends.state(key) == SENDING:
                await self.sends.done(key)
                lines.append(self._line(event.id, message))
        return DeliveryResult(result={"confirmed_sent": lines})

    async def release(self, event: Event) -> None:
        """The server never took them: the next attempt sends the messages in doubt again."""
        for message in (await self.messages(event))[0]:
            key = recipient_key(event.id, message.to_address)
            if await self.sends.state(key) == SENDING:
                await self.sends.forget(key)

    # -- health ----------------------------------------------------------------------------

    async def send_text(self, to: Sequence[str], subject: str, text: str) -> None:
        """The gateway's own mail (the daily digest), plain text, through this plugin's server."""
        message = EmailMessage()
        message["From"] = formataddr(
            (one_line(self.settings.from_name), self.settings.from_address), charset="utf-8"
        )
        message["To"] = ", ".join(to)
        message["Subject"] = one_line(subject)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.settings.id_domain)
        message.set_content(text, charset="utf-8")
        smtp = await self._connect()
        try:
            with backend_span("smtp send", **{"server.address": self.settings.host}):
                await smtp.send_message(message)
        except aiosmtplib.SMTPException as exc:
            raise TransientError(f"the mail server did not take the digest: {exc}") from exc
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                if smtp.is_connected:
                    await smtp.quit()

    async def health(self) -> Health:
        """Connect, greet and log in; sends nothing."""
        try:
            smtp = await self._connect()
        except Exception as exc:
            return Health(False, getattr(exc, "message", str(exc)))
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()
        return Health(True, f"mail server {self.settings.host}:{self.settings.port}")

    async def aclose(self) -> None:
        """Nothing is kept open between deliveries."""


def _untrusted(exc: BaseException) -> bool:
    """A certificate that failed verification, wherever aiosmtplib wrapped it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _refusal(exc: aiosmtplib.SMTPResponseException) -> str:
    """4xx: try again later (raises); 5xx: the server's words, for a permanent refusal."""
    words = f"{exc.code} {exc.message}".strip()
    if 400 <= exc.code < 500:
        raise TransientError(
            f"the mail server deferred the message: {words}", code=f"smtp_{exc.code}"
        )
    return words


async def _reset(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.rset()
    except (aiosmtplib.SMTPException, OSError):
        pass
