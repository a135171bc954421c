"""Events to GENESIS calls and GENESIS answers to gateway shapes; pure functions, no I/O.

Money is Decimal from the portal's string to GENESIS and back to a string
with two places: no float ever holds an amount. When the vendor's real
interface replaces gateway/contracts/genesis/genesis.wsdl, this module changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from gateway.plugin_api import LedgerEntry, normalize_rf

CENT = Decimal("0.01")


def money(value: Any) -> str:
    """A Decimal (or decimal string) as the 2-place string the gateway's events carry."""
    return str(Decimal(str(value)).quantize(CENT))


def channel(data: Mapping[str, Any]) -> str:
    """The payment's channel; the portal's own card payments before channels were named."""
    return str(data.get("channel") or "card")


def payment_id(data: Mapping[str, Any], event_id: str) -> str:
    """The idempotency key: the portal's payment id, or the event's for a DIAS payment without one."""
    return str(data.get("payment_id") or event_id)


def receipt_request(data: Mapping[str, Any], event_id: str = "") -> dict[str, Any]:
    """PostReceipt's arguments from payment.completed data; the payment id is the idempotency key."""
    request: dict[str, Any] = {
        "PaymentId": payment_id(data, event_id),
        "RfCode": normalize_rf(data["rf_code"]),
        "Amount": Decimal(data["amount"]),
        "PaidAt": data["paid_at"],
        "Channel": channel(data),
    }
    payer = data.get("payer") or {}
    if payer.get("afm"):
        request["PayerAfm"] = payer["afm"]
    if payer.get("full_name"):
        request["PayerName"] = payer["full_name"]
    provider = data.get("provider") or {}
    for key, field in (
        ("name", "Provider"),
        ("order_code", "ProviderOrderCode"),
        ("transaction_id", "ProviderTransactionId"),
    ):
        if provider.get(key):
            request[field] = provider[key]
    return request


def receipt_result(receipt: Any) -> dict[str, Any]:
    """The delivery result and the data of payment.recorded, with what GENESIS applied it to."""
    posted = receipt.PostedAt
    result: dict[str, Any] = {
        "payment_id": str(receipt.PaymentId),
        "receipt_number": str(receipt.ReceiptNumber),
        "posted_at": posted.isoformat() if hasattr(posted, "isoformat") else str(posted),
        "amount": money(receipt.Amount),
        "rf_code": str(receipt.RfCode),
    }
    applied = getattr(receipt, "Applied", None) or []
    if applied:
        result["applied"] = [
            {
                "category": str(item.Category),
                "description": str(item.Description) if item.Description is not None else None,
                "amount": money(item.Amount),
                "settled": bool(item.Settled),
            }
            for item in applied
        ]
    unapplied = getattr(receipt, "Unapplied", None)
    if unapplied is not None and Decimal(str(unapplied)) > 0:
        result["unapplied"] = money(unapplied)
    return result


def debts_result(afm: str, debts: Iterable[Any]) -> dict[str, Any]:
    items = [
        {
            "category": str(d.Category),
            "description": str(d.Description) if d.Description is not None else None,
            "amount": money(d.Amount),
            "rf_code": str(d.RfCode),
            "due_date": d.DueDate.isoformat()
            if hasattr(d.DueDate, "isoformat")
            else str(d.DueDate),
        }
        for d in debts
    ]
    total = sum((Decimal(str(item["amount"])) for item in items), Decimal("0"))
    return {"afm": afm, "debts": items, "total": money(total), "no_debt": total == 0}


def _moment(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def ledger_entries(receipts: Iterable[Any]) -> list[LedgerEntry]:
    """ListReceipts' answer as the reconciliation's ledger."""
    return [
        LedgerEntry(
            payment_id=str(r.PaymentId),
            receipt_number=str(r.ReceiptNumber),
            rf_code=str(r.RfCode),
            amount=money(r.Amount),
            channel=str(getattr(r, "Channel", None) or ""),
            paid_at=_moment(getattr(r, "PaidAt", None) or r.PostedAt),
        )
        for r in receipts
    ]
