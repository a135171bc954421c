"""Send each hiring application to the ranking software once; read a ranking back for the portal.

Exactly once rests on the contract: the application id is the portal's
request id, and the software answers a second submission of it with the
first ranking (HTTP 200). A retry, a replay or a restart after a lost answer
therefore sends again safely and learns the ranking then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.plugin_api import (
    DeliveryResult,
    Emit,
    Event,
    Health,
    InvalidInputError,
    NotFoundError,
    RestBackend,
    TransientError,
    backend_message,
    http_failures_as,
)
from plugins.asep.mapping import application_of, ranked_data, ranking_of, segment
from plugins.asep.settings import AsepSettings

WHO = "the ranking software"


class AsepConnector:
    def __init__(self, settings: AsepSettings) -> None:
        self.settings = settings
        self.backend = RestBackend(settings, settings.token, WHO)

    async def deliver(self, event: Event) -> DeliveryResult:
        competition, body = application_of(event, self.settings.request_types)
        with http_failures_as(self.settings.url):
            response = await self.backend.client.post(
                f"/competitions/{segment(competition)}/applications",
                json=body,
                headers={"Idempotency-Key": event.idempotency_key("asep")},
            )
        ranking = self._ranking(response, body["application_id"], competition)
        result = {k: v for k, v in ranking.items() if k != "application_id"}
        result["first_ranked_now"] = response.status_code == 201
        return DeliveryResult(
            result=result,
            emit=[Emit("application.ranked", ranked_data(event, ranking))],
            reference=ranking.get("ranking_id") or f"{competition} #{ranking['position']}",
        )

    async def ranking(self, key: str, query: Mapping[str, str]) -> dict[str, Any]:
        """The look-up: `/v1/lookups/ranking/{competition}/{application}`, as it stands now."""
        competition = query.get("competition", "")
        if not competition or len(competition) > 64 or not key or len(key) > 64:
            raise InvalidInputError("give a competition and an application id (1-64 characters)")
        with http_failures_as(self.settings.url):
            response = await self.backend.client.get(
                f"/competitions/{segment(competition)}/applications/{segment(key)}/ranking"
            )
        if response.status_code == 404:
            raise NotFoundError(
                f"{WHO} has no application {key!r} in {competition!r}: {backend_message(response)}"
            )
        return self._ranking(response, key, competition)

    def _ranking(self, response: Any, application_id: str, competition: str) -> dict[str, Any]:
        if response.status_code not in (200, 201):
            raise self.backend.refused(response)
        self.backend.accepted()
        try:
            ranking = ranking_of(response.json(), application_id)
        except ValueError as exc:
            # it may have ranked it: the next attempt sends the same id and gets the ranking back
            raise TransientError(f"{WHO}'s answer does not fit the contract: {exc}") from exc
        if ranking["competition"] != competition:
            raise TransientError(
                f"{WHO} answered for competition {ranking['competition']!r}, not {competition!r}"
            )
        return ranking

    async def health(self) -> Health:
        return await self.backend.health()

    async def aclose(self) -> None:
        await self.backend.aclose()
