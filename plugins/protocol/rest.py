"""The `rest` driver: our generic e-protocol contract (gateway/contracts/protocol/protocol.openapi.yaml).

The registry deduplicates by external reference, so exactly-once needs no
bookkeeping here: a retry, a replay or a restart after a crash sends the same
reference and gets the first registration back (HTTP 200).
"""

from __future__ import annotations

from gateway.plugin_api import (
    ConfigurationError,
    Health,
    TransientError,
    http_failures_as,
    http_refusal,
    settings_client,
)
from plugins.protocol.mapping import Application, Registration, rest_body, rest_registration
from plugins.protocol.settings import ProtocolSettings

WHO = "the e-protocol registry"


class RestDriver:
    def __init__(self, settings: ProtocolSettings) -> None:
        self.settings = settings
        self.client = settings_client(
            settings, headers={"Authorization": f"Bearer {settings.token}"}
        )
        #: the last refusal of our credentials; /readyz shows it until a call succeeds
        self.configuration_fault: str | None = None

    async def register(self, app: Application) -> Registration:
        with http_failures_as(self.settings.url):
            response = await self.client.post("/documents", json=rest_body(app))
        if response.status_code in (200, 201):
            self.configuration_fault = None
            try:
                return rest_registration(response.json(), app.reference, self.settings.registry)
            except ValueError as exc:
                # it may have registered: the next attempt sends the same reference and learns
                raise TransientError(f"{WHO}'s answer does not fit the contract: {exc}") from exc
        error = http_refusal(response, WHO)
        if isinstance(error, ConfigurationError):
            self.configuration_fault = error.message
        raise error

    async def remember(self, reference: str, registration: Registration) -> None:
        """Nothing to keep: the registry itself knows the reference."""

    async def forget(self, reference: str) -> None:
        """Nothing kept here."""

    async def health(self) -> Health:
        try:
            with http_failures_as(self.settings.url):
                response = await self.client.get("/health")
        except Exception as exc:
            return Health(False, str(exc))
        if self.configuration_fault:
            return Health(False, self.configuration_fault)
        if response.status_code != 200:
            return Health(False, http_refusal(response, WHO).message)
        try:
            version = response.json().get("version", "")
        except (ValueError, AttributeError):
            version = ""
        return Health(True, f"{WHO} {version}".strip())

    async def aclose(self) -> None:
        await self.client.aclose()
