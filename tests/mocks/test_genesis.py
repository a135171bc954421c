"""The GENESIS mock as a real server: its contract, its state, wrong requests."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from mocks.genesis import NS, SOAP11, FakeGenesis


def call(operation: str, **fields: str) -> bytes:
    inner = "".join(f"<g:{k}>{v}</g:{k}>" for k, v in fields.items())
    return f'<s:Envelope xmlns:s="{SOAP11}" xmlns:g="{NS}"><s:Body><g:{operation}>{inner}</g:{operation}></s:Body></s:Envelope>'.encode()


@pytest.fixture
async def mock():  # type: ignore[no-untyped-def]
    genesis = FakeGenesis()
    await genesis.start()
    async with httpx.AsyncClient() as client:
        yield genesis, client
    await genesis.stop()


POST = {
    "PaymentId": "P1",
    "RfCode": "RF18539007547034",
    "Amount": "25.40",
    "PayerAfm": "094259216",
    "PayerName": "Μ",
    "PaidAt": "2026-11-20T10:00:00+02:00",
}


async def test_paying_reduces_the_debt_and_a_repeat_returns_the_first_receipt(mock) -> None:  # type: ignore[no-untyped-def]
    genesis, client = mock
    first = await client.post(genesis.endpoint, content=call("PostReceipt", **POST))
    again = await client.post(genesis.endpoint, content=call("PostReceipt", **POST))
    assert (
        "<g:Duplicate>false</g:Duplicate>" in first.text
        and "<g:Duplicate>true</g:Duplicate>" in again.text
    )
    assert genesis.owed("RF18539007547034") == 100
    state = (await client.get(genesis.url + "/_mock/state")).json()
    assert state["posts"] == 1 and state["receipts"][0]["amount"] == "25.40"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (call("PostReceipt", **{**POST, "RfCode": "RF4920260000123"}), "UNKNOWN_RF"),
        (call("PostReceipt", **{**POST, "Amount": "1000.00"}), "AMOUNT_MISMATCH"),
        (call("PostReceipt", **{**POST, "Amount": "lots"}), "INVALID_REQUEST"),
        (call("ListDebts", Afm="12"), "INVALID_AFM"),
        (call("UpsertContact", Afm="x", Email="e"), "INVALID_AFM"),
        (call("Unknown"), "INVALID_REQUEST"),
        (b"<not xml", "INVALID_REQUEST"),
        (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body/></s:Envelope>'.encode(), "INVALID_REQUEST"),
    ],
)
async def test_wrong_requests_get_faults_with_codes(mock, body: bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    genesis, client = mock
    answer = await client.post(genesis.endpoint, content=body)
    assert answer.status_code == 500 and f">{code}</g:ErrorCode>" in answer.text


async def test_same_payment_id_with_another_amount_is_refused(mock) -> None:  # type: ignore[no-untyped-def]
    genesis, client = mock
    await client.post(genesis.endpoint, content=call("PostReceipt", **POST))
    answer = await client.post(
        genesis.endpoint, content=call("PostReceipt", **{**POST, "Amount": "1.00"})
    )
    assert "INVALID_REQUEST" in answer.text and genesis.posts == 1


async def test_wsdl_reset_and_injected_faults(mock) -> None:  # type: ignore[no-untyped-def]
    genesis, client = mock
    assert genesis.endpoint in (await client.get(genesis.endpoint)).text
    await client.post(genesis.endpoint, content=call("PostReceipt", **POST))
    await client.post(genesis.url + "/_mock/reset")
    assert genesis.receipts == {} and genesis.owed("RF18539007547034") == Decimal("125.40")
    genesis.set_faults(fail_next=1)
    answer = await client.post(genesis.endpoint, content=call("VersionInfo"))
    assert answer.status_code == 500 and "UNAVAILABLE" in answer.text
