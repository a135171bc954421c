"""Events to GENESIS calls and GENESIS answers to gateway shapes; pure functions, no I/O.

Money is Decimal from the portal's string to GENESIS and back to a string
with two places: no float ever holds an amount. When the vendor's real
interface replaces contracts/genesis/genesis.wsdl, this module changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from gateway.plugin_api import normalize_rf

CENT = Decimal("0.01")


def money(value: Any) -> str:
    """A Decimal (or decimal string) as the 2-place string the gateway's events carry."""
    return str(Decimal(str(value)).quantize(CENT))


def receipt_request(data: Mapping[str, Any]) -> dict[str, Any]:
    """PostReceipt's arguments from payment.completed data; the payment id is the idempotency key."""
    request = {
        "PaymentId": data["payment_id"],
        "RfCode": normalize_rf(data["rf_code"]),
        "Amount": Decimal(data["amount"]),
        "PayerAfm": data["payer"]["afm"],
        "PayerName": data["payer"]["full_name"],
        "PaidAt": data["paid_at"],
    }
    if data.get("channel"):
        request["Channel"] = data["channel"]
    return request


def receipt_result(receipt: Any) -> dict[str, Any]:
    """The delivery result and the data of payment.recorded."""
    posted = receipt.PostedAt
    return {
        "payment_id": str(receipt.PaymentId),
        "receipt_number": str(receipt.ReceiptNumber),
        "posted_at": posted.isoformat() if hasattr(posted, "isoformat") else str(posted),
        "amount": money(receipt.Amount),
        "rf_code": str(receipt.RfCode),
    }


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
