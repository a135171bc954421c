"""Talking to RgWsPublic2: one zeep client built at start-up from the local WSDL.

Every look-up is notified to the looked-up business and counts against the
organisation's limits, so answers are cached (in the gateway's database,
shared by deliveries and look-ups) and concurrent look-ups of one ΑΦΜ make one
call. The health check uses rgWsPublic2VersionInfo, which looks nobody up.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import zeep
from lxml.etree import XMLSyntaxError
from zeep.exceptions import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    Fault,
    TransportError,
)
from zeep.exceptions import XMLSyntaxError as ZeepXMLSyntaxError
from zeep.wsse.username import UsernameToken

from gateway.plugin_api import (
    ConfigurationError,
    DeliveryResult,
    Emit,
    Event,
    Health,
    InvalidInputError,
    PermanentError,
    PluginContext,
    SoapService,
    TransientError,
    afm_problem,
    http_failures_as,
    last_status,
    normalize_afm,
)
from plugins.taxis.codes import error_for
from plugins.taxis.mapping import registry_data, verdict
from plugins.taxis.settings import TaxisSettings

HOSTILE = (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden)


class TaxisConnector:
    def __init__(self, context: PluginContext) -> None:
        settings = context.settings
        assert isinstance(settings, TaxisSettings)
        self.name = context.name
        self.settings = settings
        self.rule = settings.rule()
        self.cache = context.cache
        self.soap = SoapService(
            context.contracts_dir / "taxis" / "RgWsPublic2.wsdl",
            settings.url,
            settings.timeout,
            UsernameToken(settings.username, settings.password),
            logger=context.logger,
            max_answer_bytes=settings.max_answer_bytes,
        )
        self.service = self.soap.service
        self._inflight: dict[str, asyncio.Future[dict[str, Any]]] = {}
        #: the last configuration fault the service reported; /readyz shows it until a call succeeds
        self.configuration_fault: str | None = None

    # -- the two uses ---------------------------------------------------------

    async def deliver(self, event: Event) -> DeliveryResult:
        business = event.data.get("business") or {}
        if not business.get("afm"):
            raise PermanentError("a fee exemption needs data.business.afm; this event has none")
        result = await self.check(business["afm"])
        derived = {**result, "request_id": event.data.get("request_id")}
        for key in ("citizen", "locale", "notify"):
            if key in event.data:
                derived[key] = event.data[key]
        return DeliveryResult(result=result, emit=[Emit("business.checked", derived)])

    async def lookup(self, key: str, _query: Any) -> dict[str, Any]:
        return await self.check(key)

    async def check(self, afm: str) -> dict[str, Any]:
        """The registry data and fee-exemption verdict of one ΑΦΜ."""
        problem = afm_problem(afm)
        if problem:  # no call for a number that cannot exist: it would cost a call and be notified
            raise InvalidInputError(f"{afm!r}: {problem}", code="WRONG_AFM")
        return verdict(await self.registry(normalize_afm(afm)), self.rule)

    # -- the registry, cached and single-flight ----------------------------------

    async def registry(self, afm: str) -> dict[str, Any]:
        if self.cache is not None and self.settings.cache_ttl > 0:
            cached = await self.cache.get(afm)
            if cached is not None:
                return cached
        running = self._inflight.get(afm)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._inflight[afm] = future
        try:
            data = await self._call(afm)
            if self.cache is not None and self.settings.cache_ttl > 0:
                await self.cache.put(afm, data, self.settings.cache_ttl)
            future.set_result(data)
            return data
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody else must
            raise
        finally:
            del self._inflight[afm]

    async def _call(self, afm: str) -> dict[str, Any]:
        record: dict[str, Any] = {"afm_called_for": afm}
        if self.settings.afm_called_by:
            record["afm_called_by"] = self.settings.afm_called_by
        answer = await self._soap(self.service.rgWsPublic2AfmMethod(INPUT_REC=record))
        error = answer.error_rec
        if error is not None and error.error_code:
            failure = error_for(
                str(error.error_code),
                error.error_descr,
                datetime.now(UTC),
                timedelta(hours=self.settings.blocked_wait_hours),
            )
            if isinstance(failure, ConfigurationError):
                self.configuration_fault = failure.message
            raise failure
        self.configuration_fault = None
        try:
            return registry_data(answer)
        except (ValueError, TypeError, AttributeError) as exc:
            raise TransientError(f"the service's answer could not be read: {exc}") from exc

    async def _soap(self, call: Any) -> Any:
        """Await one SOAP call; every way it can fail becomes a gateway error."""
        self.soap.reset_status()
        try:
            with http_failures_as(self.settings.url):
                return await call
        except Fault as exc:
            status = last_status()
            shown = f" (HTTP {status})" if status and status != 500 else ""
            raise TransientError(f"SOAP Fault from the service{shown}: {exc.message}") from exc
        except HOSTILE as exc:
            raise TransientError(
                f"refused the service's answer: it carried a DTD or entities ({type(exc).__name__})"
            ) from exc
        except (XMLSyntaxError, ZeepXMLSyntaxError) as exc:
            raise TransientError(f"the service's answer is not well-formed XML: {exc}") from exc
        except TransportError as exc:
            # zeep also lands here when a 200 answer is not XML it can read
            raise TransientError(
                f"HTTP {exc.status_code} from the service: {str(exc.message)[:300]}"
            ) from exc
        except zeep.exceptions.Error as exc:  # e.g. an element the contract does not have
            raise TransientError(
                f"the service's answer does not fit the contract: {type(exc).__name__}: {exc}"
            ) from exc

    # -- health -------------------------------------------------------------------

    async def health(self) -> Health:
        if self.configuration_fault:
            return Health(False, f"configuration: {self.configuration_fault}")
        try:
            version = await self._soap(self.service.rgWsPublic2VersionInfo())
        except Exception as exc:
            return Health(False, str(exc))
        return Health(True, str(version))

    async def aclose(self) -> None:
        await self.soap.aclose()
