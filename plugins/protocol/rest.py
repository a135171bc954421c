"""The `rest` driver: our generic e-protocol contract (gateway/contracts/protocol/protocol.openapi.yaml).

The registry deduplicates by external reference, so exactly-once needs no
bookkeeping here: a retry, a replay or a restart after a crash sends the same
reference and gets the first registration back (HTTP 200).
"""

from __future__ import annotations

from gateway.plugin_api import (
    Health,
    RestBackend,
    TransientError,
    http_failures_as,
)
from plugins.protocol.mapping import Application, Registration, rest_body, rest_registration
from plugins.protocol.settings import ProtocolSettings

WHO = "the e-protocol registry"


class RestDriver:
    def __init__(self, settings: ProtocolSettings) -> None:
        self.settings = settings
        self.backend = RestBackend(settings, settings.token or "", WHO)

    async def register(self, app: Application) -> Registration:
        with http_failures_as(self.settings.url):
            response = await self.backend.client.post("/documents", json=rest_body(app))
        if response.status_code in (200, 201):
            self.backend.accepted()
            try:
                return rest_registration(response.json(), app.reference, self.settings.registry)
            except ValueError as exc:
                # it may have registered: the next attempt sends the same reference and learns
                raise TransientError(f"{WHO}'s answer does not fit the contract: {exc}") from exc
        raise self.backend.refused(response)

    async def remember(self, reference: str, registration: Registration) -> None:
        """Nothing to keep: the registry itself knows the reference."""

    async def forget(self, reference: str) -> None:
        """Nothing kept here."""

    async def health(self) -> Health:
        return await self.backend.health()

    async def aclose(self) -> None:
        await self.backend.aclose()
