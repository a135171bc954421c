"""The `irida` driver: each application registered in ΙΡΙΔΑ at most once (gateway/contracts/protocol/irida.openapi.yaml).

ΙΡΙΔΑ does not deduplicate, and its API offers no way to look a sent
document up by our reference (its inbox lists replies to our sends, not the
sends). So the driver records durably that it is about to send (`SendLog`);
after a definite answer it records the number, and after a refusal made
before any work (a 4xx, a 401 twice, an unreachable server, a 429) it
forgets the send. Whenever the request may have reached ΙΡΙΔΑ and no
readable answer came back (a timeout, a broken connection, a 5xx, an
unreadable 200, a crash of the gateway between the send and its record),
the delivery stops as `outcome_unknown`, never to be sent again by itself.
Its message tells the clerk what to search for in ΙΡΙΔΑ: the reference at
the end of the Subject, the recipient, and the time window of the send.

The health check reads the token, the profile and every configured
department, never sends, and answers from its last result for
`health_interval` seconds: ΙΡΙΔΑ counts calls against a quota.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.plugin_api import (
    DONE,
    SENDING,
    ConfigurationError,
    ConnectionFailed,
    GatewayError,
    Health,
    OutcomeUnknownError,
    SendLog,
    SendRecords,
    ThrottledError,
    TransientError,
    http_refusal,
)
from plugins.protocol.document import MEDIA_TYPE, application_docx, file_name
from plugins.protocol.irida_api import WHO, IridaApi
from plugins.protocol.mapping import (
    ATHENS,
    REFERENCE_TAG,
    Application,
    Registration,
    irida_registration,
    irida_sender,
    irida_subject,
    today_in_athens,
)
from plugins.protocol.recipients import Recipient, parse_spec
from plugins.protocol.settings import ProtocolSettings

NO_REGISTRATION_NUMBER = "ΑΝΕΥ"
#: how long after the send the clerk should look: the call's timeout and a minute for clocks
WINDOW_MARGIN = 60.0


class IridaDriver:
    def __init__(
        self,
        settings: ProtocolSettings,
        records: SendRecords | None,
        clock: Any = time.monotonic,
    ) -> None:
        self.settings = settings
        self.sends = SendLog(records, settings.in_doubt_days)
        self.api = IridaApi(settings, clock)
        self._clock = clock
        self._health: tuple[float, Health] | None = None
        #: why the last send was refused as our set-up's fault; health shows it until a send succeeds
        self.refused: str | None = None

    async def register(self, app: Application) -> Registration:
        record = await self.sends.get(app.reference)
        if record and record["state"] == DONE:
            return _from_record(record, self.settings.registry)
        if record and record["state"] == SENDING:
            raise self._in_doubt(app, record, "an earlier attempt's send got no answer")
        recipient = await self.api.recipient(parse_spec(app.department))
        await self.api.ready()
        sent_at = datetime.now(UTC)
        facts = {"recipient": recipient.name, "recipient_id": recipient.id}
        await self.sends.sending(app.reference, **facts)
        try:
            response = await self.api.send(
                recipient,
                {
                    "Subject": irida_subject(app),
                    "RegistrationNumber": NO_REGISTRATION_NUMBER,
                    "Sender": irida_sender(app),
                },
                [("Files", (file_name(app), application_docx(app), MEDIA_TYPE))],
            )
        except ConnectionFailed:
            await self.forget(app.reference)  # never reached ΙΡΙΔΑ
            raise
        except ConfigurationError as exc:
            await self.forget(app.reference)  # refused before it was read
            self.refused = exc.message
            raise
        except TransientError as exc:  # the request went out; the answer did not come back
            raise self._in_doubt(app, {"at": sent_at.isoformat(), **facts}, exc.message) from exc
        return await self._answered(app, recipient, response, {"at": sent_at.isoformat(), **facts})

    async def _answered(
        self, app: Application, recipient: Recipient, response: Any, record: dict[str, Any]
    ) -> Registration:
        status = response.status_code
        if status in (200, 201):
            try:
                registration = irida_registration(
                    response.json(), recipient.id, today_in_athens(), self.settings.registry
                )
            except ValueError as exc:
                raise self._in_doubt(
                    app, record, f"{WHO} answered {status} but the answer is unreadable: {exc}"
                ) from exc
            await self.remember(app.reference, registration)
            self.refused = None
            return registration
        error = http_refusal(response, WHO)
        if status >= 500:  # ΙΡΙΔΑ may have registered it before failing
            raise self._in_doubt(app, record, error.message)
        await self.forget(app.reference)  # judged and refused (4xx), or asked to wait (429)
        if isinstance(error, ConfigurationError):
            self.refused = error.message
        raise error

    def _in_doubt(self, app: Application, record: dict[str, Any], why: str) -> OutcomeUnknownError:
        return OutcomeUnknownError(
            clerk_hint(app, record, why, self.settings.timeout), code="irida_in_doubt"
        )

    async def remember(self, reference: str, registration: Registration) -> None:
        await self.sends.done(
            reference,
            protocol_number=registration.protocol_number,
            protocol_date=registration.protocol_date.isoformat(),
        )

    async def forget(self, reference: str) -> None:
        await self.sends.forget(reference)

    async def health(self) -> Health:
        """Credentials, profile and every department resolved; registers nothing; cached."""
        now = self._clock()
        if self._health is not None and now - self._health[0] < self.settings.health_interval:
            health = self._health[1]
        else:
            health = await self._check()
            self._health = (now, health)
        if health.ok and self.refused:
            return Health(False, f"the last send was refused: {self.refused}")
        return health

    async def _check(self) -> Health:
        try:
            await self.api.ready()
            problems = []
            for request_type, department in sorted(self.settings.departments.items()):
                try:
                    await self.api.recipient(parse_spec(department), fresh=True)
                except ConfigurationError as exc:
                    problems.append(f"{request_type}: {exc.message}")
        except ThrottledError as exc:
            return Health(False, f"{WHO} asks us to wait: {exc.message}")
        except GatewayError as exc:
            return Health(False, exc.message)
        if problems:
            return Health(False, "; ".join(problems))
        return Health(True, f"{WHO} as profile {await self.api.profile()}")

    async def aclose(self) -> None:
        await self.api.aclose()


def clerk_hint(app: Application, record: dict[str, Any], why: str, timeout: float) -> str:
    """What a clerk searches ΙΡΙΔΑ for: the Subject's reference, the recipient, the window of the send."""
    try:
        start = datetime.fromisoformat(str(record.get("at")))
    except ValueError:
        start = datetime.now(UTC)
    end = start + timedelta(seconds=timeout + WINDOW_MARGIN)
    local = (
        f"{start.astimezone(ATHENS):%d-%m-%Y %H:%M:%S} – {end.astimezone(ATHENS):%H:%M:%S} (Athens)"
    )
    where = record.get("recipient") or app.department
    return (
        f"{WHO} may have registered application {app.request_id} ({why}). {WHO} does not "
        f"deduplicate and cannot be asked by our reference. Search "
        f"{WHO} for a document to {where} whose Subject ends with "
        f"{REFERENCE_TAG.format(app.reference)}, sent {local}"
    )


def _from_record(record: dict[str, Any], registry: str) -> Registration:
    return Registration(
        str(record["protocol_number"]), date.fromisoformat(record["protocol_date"]), registry
    )
