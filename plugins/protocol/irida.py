"""The `irida` driver: ΙΡΙΔΑ's External API v2 (contracts/protocol/irida.openapi.yaml).

ΙΡΙΔΑ does not deduplicate: every send makes a new registration. So before
sending, the driver records durably that it is about to send
(`gateway.send_log`); after a definite answer it records the number, or
forgets the send when ΙΡΙΔΑ refused it. A later attempt that finds a send with no answer
(a timeout, a 5xx, a crash of the gateway) looks for the document in the
inbox by the reference its subject carries before it sends again; with
`verify_by_inbox = false`, or when the inbox cannot be read, it stops with
`outcome_unknown` for an operator instead.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import httpx

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
    TransientError,
    http_failures_as,
)
from plugins.protocol.answers import backend_message, refusal
from plugins.protocol.document import MEDIA_TYPE, application_docx, file_name
from plugins.protocol.mapping import (
    Application,
    Registration,
    carries_reference,
    irida_registration,
    irida_sender,
    irida_subject,
    name_key,
    parse_reg_no,
    today_in_athens,
)
from plugins.protocol.settings import ProtocolSettings

WHO = "ΙΡΙΔΑ"
TOKEN_PATH = "/iris/api/v2/common/token"
PROFILES_PATH = "/iris/api/v2/external/profiles"
ROOTS_PATH = "/iris/api/v2/external/roots"
SEND_PATH = "/iris/api/v2/external"
INBOX_PATH = "/iris/api/v2/external/inbox/{received}"
BAD_CREDENTIALS = "invalid_username_or_password"
TOKEN_LIFE = 8 * 3600.0
NO_REGISTRATION_NUMBER = "ΑΝΕΥ"


class IridaDriver:
    def __init__(
        self,
        settings: ProtocolSettings,
        records: SendRecords | None,
        clock: Any = time.monotonic,
    ) -> None:
        self.settings = settings
        self.sends = SendLog(records, settings.in_doubt_days)
        self.client = httpx.AsyncClient(base_url=settings.url, timeout=settings.timeout)
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._profile: str | None = settings.x_profile
        self._roots: dict[str, str] | None = None
        #: why the last send was refused as our set-up's fault; /readyz shows it until a send succeeds
        self.refused: str | None = None

    # -- authentication ------------------------------------------------------------

    async def _bearer(self, refused: str | None = None) -> str:
        """A token with life left in it: renewed before it expires, or when ΙΡΙΔΑ `refused` it.

        Concurrent calls refused with the same token renew it once between them.
        """
        async with self._token_lock:
            fresh = self._clock() < self._token_expires - self.settings.token_renew_margin
            if self._token and fresh and self._token != refused:
                return self._token
            with http_failures_as(self.settings.url):
                response = await self.client.post(
                    TOKEN_PATH,
                    data={"username": self.settings.username, "password": self.settings.password},
                )
            token, life = self._read_token(response)
            self._token, self._token_expires = token, self._clock() + life
            return token

    def _read_token(self, response: httpx.Response) -> tuple[str, float]:
        text = response.text.strip()
        if response.status_code == 200 and BAD_CREDENTIALS in text:
            # ΙΡΙΔΑ's quirk: wrong credentials are an HTTP 200 with a text body
            raise _configuration(f"{WHO} refused the username or password ({BAD_CREDENTIALS})")
        if response.status_code != 200:
            raise refusal(response, f"{WHO}'s token service")
        try:
            body: Any = response.json()
        except ValueError:
            body = text
        if isinstance(body, dict):
            token = body.get("access_token") or body.get("token")
            life = body.get("expires_in") or TOKEN_LIFE
        else:
            token, life = body, TOKEN_LIFE
        if not isinstance(token, str) or not token.strip() or not isinstance(life, int | float):
            raise TransientError(f"{WHO}'s token answer holds no token: {text[:200]!r}")
        return token.strip(), float(life)

    async def _profile_header(self) -> str:
        if self._profile:
            return self._profile
        response = await self._authorised("GET", PROFILES_PATH, profile=False)
        profiles = self._json(response)
        if not isinstance(profiles, list) or not profiles:
            raise _configuration(f"{WHO} lists no profile for user {self.settings.username!r}")
        wanted = self.settings.position_name
        chosen = next(
            (
                p
                for p in profiles
                if isinstance(p, dict)
                and p.get("xProfile")
                and (not wanted or name_key(str(p.get("positionName", ""))) == name_key(wanted))
            ),
            None,
        )
        if chosen is None:
            positions = ", ".join(
                str(p.get("positionName")) for p in profiles if isinstance(p, dict)
            )
            raise _configuration(
                f"{WHO} has no profile at position {wanted!r}; positions: {positions}"
            )
        self._profile = str(chosen["xProfile"])
        return self._profile

    async def _authorised(
        self, method: str, path: str, *, profile: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """One call with the bearer (and x-profile); a 401 renews the token once, then it is our set-up."""
        refused: str | None = None
        for _ in range(2):
            token = await self._bearer(refused)
            headers = {"Authorization": f"Bearer {token}"}
            if profile:
                headers["x-profile"] = await self._profile_header()
            with http_failures_as(self.settings.url):
                response = await self.client.request(method, path, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
            refused = token
        raise _configuration(f"{WHO} answered 401 to a fresh token: {backend_message(response)}")

    def _json(self, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise refusal(response, WHO)
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"{WHO} answered with something that is not JSON") from exc

    async def _root(self, department: str) -> str:
        """The recipient (root) whose description is the department; the list is read once."""
        for refresh in (False, True):
            if self._roots is None or refresh:
                roots = self._json(await self._authorised("GET", ROOTS_PATH))
                if not isinstance(roots, list):
                    raise TransientError(f"{WHO}'s list of recipients is not a list")
                self._roots = {
                    str(r.get("description", "")).strip(): str(r.get("id"))
                    for r in roots
                    if isinstance(r, dict) and r.get("id") is not None
                }
            wanted = name_key(department)
            found = [i for d, i in self._roots.items() if name_key(d) == wanted]
            if found:
                return found[0]
        known = ", ".join(sorted(self._roots or {})) or "none"
        raise _configuration(
            f"{WHO} has no recipient named {department!r} (plugins.protocol.departments); "
            f"its recipients: {known}"
        )

    # -- registering exactly once ------------------------------------------------------

    async def register(self, app: Application) -> Registration:
        record = await self.sends.get(app.reference)
        if record and record["state"] == DONE:
            return _from_record(record, self.settings.registry)
        if record and record["state"] == SENDING:
            found = await self._find_sent(app, record)
            if found is not None:
                await self.remember(app.reference, found)
                return found
        root = await self._root(app.department)
        await self.sends.sending(app.reference)
        try:
            response = await self._authorised(
                "POST",
                SEND_PATH,
                data={
                    "Subject": irida_subject(app),
                    "RegistrationNumber": NO_REGISTRATION_NUMBER,
                    "Sender": irida_sender(app),
                    "Recipients": [root],
                },
                files=[("Files", (file_name(app), application_docx(app), MEDIA_TYPE))],
            )
        except ConnectionFailed:
            await self.forget(app.reference)  # not sent
            raise
        except ConfigurationError as exc:
            await self.forget(app.reference)  # refused before it was read
            self.refused = exc.message
            raise
        if response.status_code in (200, 201):
            try:
                registration = irida_registration(
                    response.json(), root, today_in_athens(), self.settings.registry
                )
            except ValueError as exc:
                # registered or not, we cannot read it: the next attempt looks in the inbox
                raise TransientError(f"{WHO}'s answer to the send is unreadable: {exc}") from exc
            await self.remember(app.reference, registration)
            self.refused = None
            return registration
        error = refusal(response, WHO)
        if isinstance(error, ConfigurationError):
            self.refused = error.message
        if 400 <= response.status_code < 500 and response.status_code != 429:
            await self.forget(app.reference)  # ΙΡΙΔΑ judged the request and refused it
        raise error

    async def _find_sent(self, app: Application, record: dict[str, Any]) -> Registration | None:
        """An earlier attempt sent and lost the answer: is the document in ΙΡΙΔΑ? None: it is not."""
        sent_at = record.get("at", "an earlier attempt")
        if not self.settings.verify_by_inbox:
            raise OutcomeUnknownError(
                f"{WHO} may have registered application {app.request_id}: a send at {sent_at} "
                "got no answer, ΙΡΙΔΑ does not deduplicate, and verify_by_inbox is off",
                code="irida_unanswered_send",
            )
        try:
            for received in ("false", "true"):
                listed = self._json(
                    await self._authorised("GET", INBOX_PATH.format(received=received))
                )
                documents = listed.get("data") if isinstance(listed, dict) else listed
                if not isinstance(documents, list):
                    raise TransientError(f"{WHO}'s inbox is not a list")
                for document in documents:
                    if isinstance(document, dict) and carries_reference(
                        document.get("subject"), app.reference
                    ):
                        return parse_reg_no(
                            document.get("regNo"), today_in_athens(), self.settings.registry
                        )
        except ConfigurationError as exc:
            raise OutcomeUnknownError(
                f"{WHO} may have registered application {app.request_id} (a send at {sent_at} "
                f"got no answer) and its inbox cannot be read to check: {exc.message}",
                code="irida_inbox_unreadable",
            ) from exc
        except ValueError as exc:
            raise TransientError(f"{WHO}'s inbox holds an unreadable regNo: {exc}") from exc
        return None

    async def remember(self, reference: str, registration: Registration) -> None:
        await self.sends.done(
            reference,
            protocol_number=registration.protocol_number,
            protocol_date=registration.protocol_date.isoformat(),
        )

    async def forget(self, reference: str) -> None:
        await self.sends.forget(reference)

    # -- health ---------------------------------------------------------------------

    async def health(self) -> Health:
        """Credentials, profile and every configured department as a recipient; registers nothing."""
        try:
            profile = await self._profile_header()
            self._roots = None
            for department in sorted(set(self.settings.departments.values())):
                await self._root(department)
        except GatewayError as exc:
            return Health(False, exc.message)
        if self.refused:
            return Health(False, f"the last send was refused: {self.refused}")
        return Health(True, f"{WHO} as profile {profile}")

    async def aclose(self) -> None:
        await self.client.aclose()


def _configuration(message: str) -> ConfigurationError:
    return ConfigurationError(message, code="irida_configuration")


def _from_record(record: dict[str, Any], registry: str) -> Registration:
    return Registration(
        str(record["protocol_number"]), date.fromisoformat(record["protocol_date"]), registry
    )
