"""The genesis connector alone, with respx: every operation and every fault."""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from lxml import etree

from gateway.contracts import contracts_dir
from gateway.errors import ConnectionFailed, InvalidInputError, PermanentError, TransientError
from gateway.plugin_api import Event, PluginContext
from plugins.genesis.connector import GenesisConnector
from plugins.genesis.settings import GenesisSettings

URL = "http://genesis.test/services/Genesis"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:gateway:genesis:v1"
XML = {"Content-Type": "text/xml; charset=utf-8"}


def answer(element: str, inner: str) -> httpx.Response:
    return httpx.Response(
        200,
        headers=XML,
        text=f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><g:{element} xmlns:g="{NS}">{inner}</g:{element}></s:Body></s:Envelope>',
    )


def fault(code: str | None, message: str = "refused") -> httpx.Response:
    detail = f'<detail><g:ErrorCode xmlns:g="{NS}">{code}</g:ErrorCode></detail>' if code else ""
    return httpx.Response(
        500,
        headers=XML,
        text=f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>{message}</faultstring>{detail}</s:Fault></s:Body></s:Envelope>',
    )


RECEIPT = "<g:Receipt><g:ReceiptNumber>ΓΡ-2026-000154</g:ReceiptNumber><g:PaymentId>PAY-1</g:PaymentId><g:RfCode>RF18539007547034</g:RfCode><g:Amount>125.40</g:Amount><g:PostedAt>2026-11-20T10:00:02+02:00</g:PostedAt></g:Receipt>"


def event(kind: str, **data_changes) -> Event:  # type: ignore[no-untyped-def]
    envelope = json.loads((contracts_dir() / "examples" / f"{kind}.json").read_text())
    envelope["data"].update(data_changes)
    return Event.from_envelope(envelope)


@pytest.fixture
async def connector():  # type: ignore[no-untyped-def]
    made = GenesisConnector(
        PluginContext("genesis", GenesisSettings(url=URL), contracts_dir(), logging.getLogger("t"))
    )
    yield made
    await made.aclose()


def sent(respx_mock) -> dict[str, str]:  # type: ignore[no-untyped-def]
    body = etree.fromstring(respx_mock.calls.last.request.content).find(f"{{{SOAP11}}}Body")[0]
    return {"_op": etree.QName(body).localname, **{etree.QName(c).localname: c.text for c in body}}


async def test_payment_is_posted_as_a_receipt(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(
        return_value=answer("PostReceiptResponse", RECEIPT + "<g:Duplicate>false</g:Duplicate>")
    )
    result = await connector.deliver(event("payment.completed", rf_code="RF18 5390 0754 7034"))
    request = sent(respx_mock)
    assert request == {
        "_op": "PostReceipt",
        "PaymentId": "PAY-2026-0001",
        "RfCode": "RF18539007547034",
        "Amount": "125.40",
        "PayerAfm": "094259216",
        "PayerName": "Μαρία Παπαδοπούλου",
        "PaidAt": "2026-11-20T09:59:41+02:00",
        "Channel": "card",
    }
    assert (
        respx_mock.calls.last.request.headers["SOAPAction"]
        == '"urn:gateway:genesis:v1/PostReceipt"'
    )
    assert result.result == {
        "payment_id": "PAY-1",
        "receipt_number": "ΓΡ-2026-000154",
        "posted_at": "2026-11-20T10:00:02+02:00",
        "amount": "125.40",
        "rf_code": "RF18539007547034",
        "duplicate": False,
    }
    (emit,) = result.emit
    assert (
        emit.type == "payment.recorded"
        and emit.data["amount"] == "125.40"
        and emit.data["payer"]["afm"] == "094259216"
    )


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (
            fault("UNKNOWN_RF", "Ο κωδικός δεν υπάρχει"),
            PermanentError,
            "Ο κωδικός δεν υπάρχει (UNKNOWN_RF)",
        ),
        (fault("AMOUNT_MISMATCH", "ποσό"), PermanentError, "AMOUNT_MISMATCH"),
        (fault("INVALID_REQUEST"), PermanentError, "INVALID_REQUEST"),
        (fault("INVALID_AFM"), InvalidInputError, "INVALID_AFM"),
        (fault("UNAVAILABLE", "down"), TransientError, "UNAVAILABLE"),
        (fault(None, "boom"), TransientError, "GENESIS: boom"),
        (
            httpx.Response(
                502, text="<html>bad gateway</html>", headers={"Content-Type": "text/html"}
            ),
            TransientError,
            "",
        ),
        (httpx.Response(200, text="<s:Envelope", headers=XML), TransientError, ""),
        (
            answer("PostReceiptResponse", "<g:Surprise/>"),
            TransientError,
            "does not fit the contract",
        ),
    ],
)
async def test_faults(respx_mock, connector, reply, error, words: str) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(return_value=reply)
    with pytest.raises(error, match=re.escape(words) if words else None):
        await connector.deliver(event("payment.completed"))


async def test_unreachable(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectionFailed):
        await connector.deliver(event("payment.completed"))


async def test_failed_payment_posts_nothing(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.post(URL)
    result = await connector.deliver(event("payment.failed"))
    assert (
        result.result == {"posted": False, "reason": "card declined by the issuer"}
        and not route.called
    )


async def test_contact_upsert_and_its_switch(respx_mock) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(
        return_value=answer("UpsertContactResponse", "<g:Changed>true</g:Changed>")
    )
    on = GenesisConnector(
        PluginContext("genesis", GenesisSettings(url=URL), contracts_dir(), logging.getLogger("t"))
    )
    assert (await on.deliver(event("request.submitted"))).result == {"contact": "updated"}
    assert sent(respx_mock) == {
        "_op": "UpsertContact",
        "Afm": "094259216",
        "Email": "maria.papadopoulou@example.gr",
        "FullName": "Μαρία Παπαδοπούλου",
    }
    calls = len(respx_mock.calls)
    off = GenesisConnector(
        PluginContext(
            "genesis",
            GenesisSettings(url=URL, sync_contacts=False),
            contracts_dir(),
            logging.getLogger("t"),
        )
    )
    assert (await off.deliver(event("request.submitted"))).result == {"contact": "not synced"}
    assert len(respx_mock.calls) == calls
    with pytest.raises(PermanentError, match=r"does not handle request\.registered"):
        await off.deliver(Event("x", "request.registered", "/gateway", {}))
    await on.aclose()
    await off.aclose()


async def test_debts(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    debt = "<g:Debt><g:Category>TAP</g:Category><g:Amount>{}</g:Amount><g:RfCode>RF18539007547034</g:RfCode><g:DueDate>2026-12-31</g:DueDate></g:Debt>"
    respx_mock.post(URL).mock(
        return_value=answer("ListDebtsResponse", debt.format("0.10") + debt.format("0.20"))
    )
    result = await connector.debts("094259216", {"category": "TAP"})
    assert sent(respx_mock) == {"_op": "ListDebts", "Afm": "094259216", "Category": "TAP"}
    assert (
        result["total"] == "0.30"
        and result["no_debt"] is False
        and result["debts"][0]["due_date"] == "2026-12-31"
    )
    respx_mock.post(URL).mock(return_value=answer("ListDebtsResponse", ""))
    empty = await connector.debts("090165560", {})
    assert empty == {"afm": "090165560", "debts": [], "total": "0.00", "no_debt": True}
    assert "Category" not in sent(respx_mock)


async def test_bad_afm_is_never_sent(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.post(URL)
    with pytest.raises(InvalidInputError, match="check digit"):
        await connector.debts("123456781", {})
    assert not route.called
    respx_mock.post(URL).mock(
        return_value=answer("VersionInfoResponse", "<g:Version>9</g:Version>")
    )
    assert (await connector.health()).ok


def test_settings_need_a_url() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="url"):
        GenesisSettings.model_validate({})
    with pytest.raises(ValidationError, match="greater than or equal"):
        GenesisSettings.model_validate({"url": URL, "debts_cache_ttl": -1})
    assert GenesisSettings(url=URL).sync_contacts is True


async def test_receipt_by_payment_id(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    from gateway.errors import NotFoundError

    respx_mock.post(URL).mock(return_value=answer("GetReceiptResponse", RECEIPT))
    assert (await connector.receipt("PAY-1", {}))["receipt_number"] == "ΓΡ-2026-000154"
    assert sent(respx_mock) == {"_op": "GetReceipt", "PaymentId": "PAY-1"}
    respx_mock.post(URL).mock(return_value=answer("GetReceiptResponse", ""))
    with pytest.raises(NotFoundError, match="no receipt for payment 'PAY-2'"):
        await connector.receipt("PAY-2", {})
