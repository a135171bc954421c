"""One registry interface over two drivers: register an application, get its number and date, once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from gateway.plugin_api import ConfirmField, DeliveryResult, Emit, Event, Health, PluginContext
from plugins.protocol.irida import IridaDriver
from plugins.protocol.mapping import (
    Application,
    Registration,
    application,
    confirmed_registration,
    registered_data,
    result,
)
from plugins.protocol.rest import RestDriver
from plugins.protocol.settings import ProtocolSettings


class RegistryDriver(Protocol):
    """What a driver does; `remember`/`forget` keep or drop its record of a send."""

    async def register(self, app: Application) -> Registration: ...

    async def remember(self, reference: str, registration: Registration) -> None: ...

    async def forget(self, reference: str) -> None: ...

    async def health(self) -> Health: ...

    async def aclose(self) -> None: ...


class ProtocolConnector:
    #: what the clerk reads in the registry when confirming a registration in doubt
    confirm_fields = (
        ConfirmField("protocol_number", "Αριθμός πρωτοκόλλου", "Protocol number"),
        ConfirmField("protocol_date", "Ημερομηνία πρωτοκόλλου", "Protocol date", "date"),
    )

    def __init__(self, context: PluginContext) -> None:
        settings = context.settings
        assert isinstance(settings, ProtocolSettings)
        self.name = context.name
        self.settings = settings
        self.driver: RegistryDriver = (
            IridaDriver(settings, context.send_records)
            if settings.driver == "irida"
            else RestDriver(settings)
        )

    async def deliver(self, event: Event) -> DeliveryResult:
        app = application(event, event.idempotency_key(self.name), self.settings.departments)
        return self._registered(event, await self.driver.register(app))

    async def confirm(self, event: Event, facts: Mapping[str, Any]) -> DeliveryResult:
        """An operator read the number in the registry: the same outcome a good attempt gives."""
        registration = confirmed_registration(facts, self.settings.registry)
        await self.driver.remember(event.idempotency_key(self.name), registration)
        return self._registered(event, registration)

    async def release(self, event: Event) -> None:
        await self.driver.forget(event.idempotency_key(self.name))

    def _registered(self, event: Event, registration: Registration) -> DeliveryResult:
        outcome = result(str(event.data.get("request_id", "")), registration)
        return DeliveryResult(
            result=outcome,
            emit=[Emit("request.registered", registered_data(event, outcome))],
            reference=registration.protocol_number,
        )

    async def health(self) -> Health:
        return await self.driver.health()

    async def aclose(self) -> None:
        await self.driver.aclose()
