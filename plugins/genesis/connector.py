"""Talking to GENESIS over our SOAP contract: receipts posted once, debts looked up, contacts kept."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import zeep
from lxml.etree import XMLSyntaxError
from zeep.exceptions import Fault, TransportError
from zeep.wsse.username import UsernameToken

from gateway.plugin_api import (
    DeliveryResult,
    Emit,
    Event,
    Health,
    InvalidInputError,
    LedgerEntry,
    NotFoundError,
    PermanentError,
    PluginContext,
    SoapService,
    TransientError,
    afm_problem,
    http_failures_as,
    normalize_afm,
)
from plugins.genesis.mapping import (
    channel,
    debts_result,
    ledger_entries,
    payment_id,
    receipt_request,
    receipt_result,
)
from plugins.genesis.settings import GenesisSettings

NS = "urn:gateway:genesis:v1"
#: error codes that mean "the request is wrong": retrying cannot help (our contract's assumption)
T = TypeVar("T")
FINAL = {"UNKNOWN_RF", "AMOUNT_MISMATCH", "INVALID_REQUEST"}
#: a debt category as our contract names them (TAP, WATER, ...): checked before any call
CATEGORY = re.compile(r"[A-Za-z0-9_]{1,32}")


class GenesisConnector:
    def __init__(self, context: PluginContext) -> None:
        settings = context.settings
        assert isinstance(settings, GenesisSettings)
        self.settings = settings
        self.cache = context.cache
        wsse = UsernameToken(settings.username, settings.password) if settings.username else None
        self.soap = SoapService(
            context.contracts_dir / "genesis" / "genesis.wsdl",
            settings.url,
            settings.timeout,
            wsse,
            logger=context.logger,
            max_answer_bytes=settings.max_answer_bytes,
        )
        self.service = self.soap.service

    async def deliver(self, event: Event) -> DeliveryResult:
        data = event.data
        if event.type == "payment.completed":
            paid_by = channel(data)
            if paid_by not in self.settings.post_channels:
                # GENESIS takes these from elsewhere (DIAS: the bank's file); posting them
                # too would count the payment twice. Reconciliation checks it arrived.
                return DeliveryResult(
                    result={
                        "payment_id": payment_id(data, event.id),
                        "posted": False,
                        "channel": paid_by,
                        "reason": f"{paid_by} payments are not in post_channels: "
                        "GENESIS imports them itself",
                    }
                )
            answer = await self._soap(self.service.PostReceipt(**receipt_request(data, event.id)))
            result = _readable(lambda: receipt_result(answer.Receipt))
            derived = {**result, "channel": paid_by}
            for key in ("payer", "provider", "locale"):
                if key in data:
                    derived[key] = data[key]
            return DeliveryResult(
                result={**result, "duplicate": bool(answer.Duplicate)},
                emit=[Emit("payment.recorded", derived)],
                reference=result["receipt_number"],
            )
        if event.type == "payment.failed":
            return DeliveryResult(result={"posted": False, "reason": data.get("reason")})
        if event.type == "request.submitted":
            citizen = data.get("citizen") or {}
            if not self.settings.sync_contacts or not citizen.get("email"):
                return DeliveryResult(result={"contact": "not synced"})
            changed = await self._soap(
                self.service.UpsertContact(
                    Afm=citizen["afm"], Email=citizen["email"], FullName=citizen.get("full_name")
                )
            )
            return DeliveryResult(result={"contact": "updated" if changed else "unchanged"})
        raise PermanentError(
            f"the genesis plugin does not handle {event.type} events; check the routes"
        )

    async def debts(self, afm: str, query: Any) -> dict[str, Any]:
        problem = afm_problem(afm)
        if problem:
            raise InvalidInputError(f"{afm!r}: {problem}")
        afm = normalize_afm(afm)
        category = (query.get("category") or "").strip() or None
        if category is not None and not CATEGORY.fullmatch(category):
            raise InvalidInputError(
                "category must be 1 to 32 letters, digits or underscores, e.g. TAP",
                code="bad_category",
            )
        key = f"{afm}:{category or ''}"
        if self.cache is not None and self.settings.debts_cache_ttl > 0:
            cached = await self.cache.get(key)
            if cached is not None:
                return cached
        found = await self._soap(self.service.ListDebts(Afm=afm, Category=category))
        result = _readable(lambda: debts_result(afm, found or []))
        if self.cache is not None and self.settings.debts_cache_ttl > 0:
            await self.cache.put(key, result, self.settings.debts_cache_ttl)
        return result

    async def receipt(self, payment_id: str, _query: Any) -> dict[str, Any]:
        """The receipt GENESIS holds for a portal payment, or NotFoundError."""
        found = await self._soap(self.service.GetReceipt(PaymentId=payment_id))
        if found is None:
            raise NotFoundError(f"GENESIS holds no receipt for payment {payment_id!r}")
        return _readable(lambda: receipt_result(found))

    async def payments_on(self, day: date) -> list[LedgerEntry]:
        """The receipts GENESIS holds for payments made that day: the reconciliation's ledger."""
        found = await self._soap(self.service.ListReceipts(Date=day))
        return _readable(lambda: ledger_entries(found or []))

    async def _soap(self, call: Any) -> Any:
        try:
            with http_failures_as(self.settings.url):
                return await call
        except Fault as exc:
            # zeep gives the detail as an element, or as raw bytes when the answer was not a SOAP Fault
            code = (
                exc.detail.findtext(f"{{{NS}}}ErrorCode")
                if hasattr(exc.detail, "findtext")
                else None
            )
            message = f"GENESIS: {exc.message}" + (f" ({code})" if code else "")
            if code == "INVALID_AFM":
                raise InvalidInputError(message, code=code) from exc
            if code in FINAL:
                raise PermanentError(message, code=code) from exc
            raise TransientError(message, code=code) from exc
        except (XMLSyntaxError, zeep.exceptions.XMLSyntaxError) as exc:
            raise TransientError(f"GENESIS answered with malformed XML: {exc}") from exc
        except TransportError as exc:
            raise TransientError(
                f"HTTP {exc.status_code} from GENESIS: {str(exc.message)[:300]}"
            ) from exc
        except zeep.exceptions.Error as exc:
            raise TransientError(
                f"GENESIS's answer does not fit the contract: {type(exc).__name__}: {exc}"
            ) from exc

    async def health(self) -> Health:
        try:
            version = await self._soap(self.service.VersionInfo())
        except Exception as exc:
            return Health(False, str(exc))
        return Health(True, str(version))

    async def aclose(self) -> None:
        await self.soap.aclose()


def _readable(read: Callable[[], T]) -> T:
    """Map an answer; one that lacks what the mapping needs does not fit the contract (transient).

    Unknown elements are already dropped (lenient parsing); a required one missing is still wrong.
    """
    try:
        return read()
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise TransientError(
            f"GENESIS's answer does not fit the contract: {type(exc).__name__}: {exc}"
        ) from exc
