"""ΙΡΙΔΑ's External API v2.2 as calls: the token, the profile, the directory, a send.

What the calls mean for an application (at most one registration) is the
driver's business (`irida.py`); here is only how to speak to ΙΡΙΔΑ:
- a form token lives 8 h and is renewed `token_renew_margin` before it
  expires, or when ΙΡΙΔΑ answers 401 (concurrent calls refused with the same
  token renew it once between them); wrong credentials are HTTP 200 with the
  text `invalid_username_or_password`;
- every call but the token carries `x-profile`, chosen from the profile list;
- the directory (inner positions, paginated, and roots) is read once and
  read again only when a name is not found in it, or by the health check.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from gateway.plugin_api import (
    ConfigurationError,
    TransientError,
    backend_message,
    http_failures_as,
    http_refusal,
    settings_client,
)
from plugins.protocol.mapping import items_of, keys_folded, name_key
from plugins.protocol.recipients import DepartmentSpec, Recipient, resolve
from plugins.protocol.settings import ProtocolSettings

WHO = "ΙΡΙΔΑ"
TOKEN_PATH = "/iris/api/v2/common/token"
PROFILES_PATH = "/iris/api/v2/external/profiles"
ROOTS_PATH = "/iris/api/v2/external/roots"
POSITIONS_PATH = "/iris/api/v2/external/positions"
SEND_PATHS = {"root": "/iris/api/v2/external", "inner": "/iris/api/v2/external/innerPositions"}
BAD_CREDENTIALS = "invalid_username_or_password"
TOKEN_LIFE = 8 * 3600.0
#: our assumption: the list is paged with these query parameters (its answer names them)
PAGE_SIZE = 100
MAX_PAGES = 50


def configuration(message: str) -> ConfigurationError:
    return ConfigurationError(message, code="irida_configuration")


class IridaApi:
    def __init__(self, settings: ProtocolSettings, clock: Any) -> None:
        self.settings = settings
        self.client = settings_client(settings)
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._profile: str | None = settings.x_profile
        self._positions: list[dict[str, Any]] | None = None
        self._roots: list[dict[str, Any]] | None = None

    # -- authentication ------------------------------------------------------------

    async def bearer(self, refused: str | None = None) -> str:
        """A token with life left in it: renewed before it expires, or when ΙΡΙΔΑ `refused` it."""
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
            raise configuration(f"{WHO} refused the username or password ({BAD_CREDENTIALS})")
        if response.status_code != 200:
            raise http_refusal(response, f"{WHO}'s token service")
        try:
            body: Any = response.json()
        except ValueError:
            body = text
        if isinstance(body, dict):
            folded = keys_folded(body)
            token = folded.get("access_token") or folded.get("token")
            life = folded.get("expires_in") or TOKEN_LIFE
        else:
            token, life = body, TOKEN_LIFE
        if not isinstance(token, str) or not token.strip() or not isinstance(life, int | float):
            raise TransientError(f"{WHO}'s token answer holds no token: {text[:200]!r}")
        return token.strip(), float(life)

    async def profile(self) -> str:
        if self._profile:
            return self._profile
        response = await self.call("GET", PROFILES_PATH, profile=False)
        try:
            profiles = items_of(self.json(response))
        except ValueError as exc:
            raise TransientError(f"{WHO}'s list of profiles is unreadable: {exc}") from exc
        wanted = self.settings.position_name
        chosen = next(
            (
                p
                for p in profiles
                if p.get("xprofile")
                and (not wanted or name_key(str(p.get("positionname", ""))) == name_key(wanted))
            ),
            None,
        )
        if chosen is None:
            if not profiles:
                raise configuration(f"{WHO} lists no profile for user {self.settings.username!r}")
            positions = ", ".join(str(p.get("positionname")) for p in profiles)
            raise configuration(
                f"{WHO} has no profile at position {wanted!r}; positions: {positions}"
            )
        self._profile = str(chosen["xprofile"])
        return self._profile

    async def ready(self) -> None:
        """Token and profile in hand, so a send's record is written only when the send can go."""
        await self.bearer()
        await self.profile()

    async def call(
        self, method: str, path: str, *, profile: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """One call with the bearer (and x-profile); a 401 renews the token once, then it is our set-up.

        A second 401 is also what ΙΡΙΔΑ answers a caller that is not on its allow-list.
        """
        refused: str | None = None
        for _ in range(2):
            token = await self.bearer(refused)
            headers = {"Authorization": f"Bearer {token}"}
            if profile:
                headers["x-profile"] = await self.profile()
            with http_failures_as(self.settings.url):
                response = await self.client.request(method, path, headers=headers, **kwargs)
            if response.status_code != 401:
                return response
            refused = token
        raise configuration(
            f"{WHO} answered 401 to a fresh token: {backend_message(response)} (wrong "
            f"credentials, or this address is not on {WHO}'s allow-list)"
        )

    def json(self, response: httpx.Response) -> Any:
        if response.status_code != 200:
            raise http_refusal(response, WHO)
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(f"{WHO} answered with something that is not JSON") from exc

    # -- the directory ---------------------------------------------------------------

    async def recipient(self, spec: DepartmentSpec, *, fresh: bool = False) -> Recipient:
        """Whom a department spec names; the directory is read again once when it is not found."""
        if spec.kind == "inner" and spec.id and not fresh:
            return Recipient("inner", spec.id, spec.raw.strip())  # ids are sent as given
        for again in (True,) if fresh else (False, True):
            positions = await self._directory_positions(again) if spec.kind == "inner" else []
            roots = await self._directory_roots(again) if spec.kind == "root" else []
            try:
                return resolve(spec, positions, roots)
            except ValueError as exc:
                if again:
                    raise configuration(f"{WHO}: {exc} (plugins.protocol.departments)") from exc
        raise AssertionError("unreachable")

    async def _directory_positions(self, fresh: bool) -> list[dict[str, Any]]:
        if self._positions is None or fresh:
            found: list[dict[str, Any]] = []
            for page in range(1, MAX_PAGES + 1):
                body = self.json(
                    await self.call(
                        "GET", POSITIONS_PATH, params={"pageNumber": page, "pageSize": PAGE_SIZE}
                    )
                )
                try:
                    found += items_of(body)
                except ValueError as exc:
                    raise TransientError(f"{WHO}'s list of positions: {exc}") from exc
                paging = keys_folded(keys_folded(body).get("pagination"))
                total = paging.get("totalpages")
                if not isinstance(total, int) or page >= total:
                    break
            self._positions = found
        return self._positions

    async def _directory_roots(self, fresh: bool) -> list[dict[str, Any]]:
        if self._roots is None or fresh:
            try:
                self._roots = items_of(self.json(await self.call("GET", ROOTS_PATH)))
            except ValueError as exc:
                raise TransientError(f"{WHO}'s list of roots: {exc}") from exc
        return self._roots

    # -- sending -----------------------------------------------------------------------

    async def send(
        self, recipient: Recipient, fields: dict[str, Any], files: list[tuple[str, Any]]
    ) -> httpx.Response:
        """The multipart send to a root or to inner positions; the answer as it came."""
        return await self.call(
            "POST",
            SEND_PATHS[recipient.kind],
            data={**fields, "Recipients": [recipient.id]},
            files=files,
        )

    async def aclose(self) -> None:
        await self.client.aclose()
