"""A REST backend behind a bearer token: its client, its refusals remembered, its health.

The protocol plugin's REST driver and the asep plugin each held the same
three parts: a client from the plugin's settings with the token, the last
refusal of the token kept for `/readyz` until a call succeeds, and a health
check that GETs `/health` and names the backend's version.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from gateway.errors import ConfigurationError, GatewayError
from gateway.plugin_kit.http_client import BackendSettings, settings_client
from gateway.plugin_kit.http_errors import http_failures_as
from gateway.plugin_kit.http_refusals import http_refusal


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


class RestBackend:
    def __init__(self, settings: BackendSettings, token: str, who: str) -> None:
        self.url = settings.url or ""
        self.who = who
        self.client = settings_client(settings, headers={"Authorization": f"Bearer {token}"})
        #: the last refusal of our token; /readyz shows it until a call succeeds
        self.configuration_fault: str | None = None

    def accepted(self) -> None:
        """A call went through: whatever refused the token before is over."""
        self.configuration_fault = None

    def refused(self, response: httpx.Response) -> GatewayError:
        """The refusal as a gateway error, a refused token remembered for the health check."""
        error = http_refusal(response, self.who)
        if isinstance(error, ConfigurationError):
            self.configuration_fault = error.message
        return error

    async def health(self) -> Health:
        try:
            with http_failures_as(self.url):
                response = await self.client.get("/health")
        except Exception as exc:
            return Health(False, str(exc))
        if self.configuration_fault:
            return Health(False, self.configuration_fault)
        if response.status_code != 200:
            return Health(False, http_refusal(response, self.who).message)
        try:
            version = response.json().get("version", "")
        except (ValueError, AttributeError):
            version = ""
        return Health(True, f"{self.who} {version}".strip())

    async def aclose(self) -> None:
        await self.client.aclose()
