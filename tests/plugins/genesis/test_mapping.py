from decimal import Decimal
from types import SimpleNamespace

import pytest

from gateway.domain.rf import is_valid_rf
from plugins.genesis.mapping import debts_result, money, receipt_request, receipt_result


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("125.4"), "125.40"),
        ("0.1", "0.10"),
        (Decimal("12"), "12.00"),
        ("1000000.00", "1000000.00"),
    ],
)
def test_money_is_two_places_from_decimal(value: object, text: str) -> None:
    assert money(value) == text


def test_receipt_request_keeps_decimals_and_greek_and_normalises_rf() -> None:
    data = {
        "payment_id": "P1",
        "rf_code": "rf18 5390 0754 7034",
        "amount": "0.10",
        "payer": {"afm": "094259216", "full_name": "Γιώργος Ζαχαρόπουλος-Ψαρρά", "email": "g@x.gr"},
        "paid_at": "2026-11-20T09:59:41+02:00",
    }
    request = receipt_request(data)
    assert request["Amount"] == Decimal("0.10") and isinstance(request["Amount"], Decimal)
    assert request["RfCode"] == "RF18539007547034" and is_valid_rf(request["RfCode"])
    assert request["PayerName"] == "Γιώργος Ζαχαρόπουλος-Ψαρρά"
    assert request["Channel"] == "card"  # a portal payment that names no channel is a card one


def test_receipt_result() -> None:
    from datetime import datetime, timedelta, timezone

    receipt = SimpleNamespace(
        PaymentId="P1",
        ReceiptNumber="ΓΡ-1",
        PostedAt=datetime(2026, 11, 20, 10, 0, 2, tzinfo=timezone(timedelta(hours=2))),
        Amount=Decimal("5.5"),
        RfCode="RF18539007547034",
    )
    assert receipt_result(receipt) == {
        "payment_id": "P1",
        "receipt_number": "ΓΡ-1",
        "posted_at": "2026-11-20T10:00:02+02:00",
        "amount": "5.50",
        "rf_code": "RF18539007547034",
    }


def test_debt_totals_add_up_to_the_cent() -> None:
    from datetime import date

    debts = [
        SimpleNamespace(
            Category="TAP",
            Description=None,
            Amount=Decimal("0.1"),
            RfCode="RF1",
            DueDate=date(2026, 12, 31),
        )
        for _ in range(3)
    ]
    result = debts_result("094259216", debts)
    assert (
        result["total"] == "0.30" and result["no_debt"] is False
    )  # 0.1 + 0.1 + 0.1 in floats is 0.30000000000000004
    assert debts_result("094259216", []) == {
        "afm": "094259216",
        "debts": [],
        "total": "0.00",
        "no_debt": True,
    }


def test_a_dias_payment_without_payer_or_payment_id_and_a_card_one_with_its_provider() -> None:
    dias = {"rf_code": "RF18539007547034", "amount": "12.00", "paid_at": "2026-11-20T09:00:00+02:00", "channel": "dias"}  # fmt: skip
    request = receipt_request(dias, "evt-dias-1")
    assert request["PaymentId"] == "evt-dias-1" and request["Channel"] == "dias"
    assert "PayerAfm" not in request and "PayerName" not in request
    card = {
        **dias, "channel": "card", "payment_id": "P9",
        "payer": {"afm": "094259216", "full_name": "Μ"},
        "provider": {"name": "viva", "order_code": "1272214778972604", "transaction_id": "b1a3", "status": "F"},
    }  # fmt: skip
    request = receipt_request(card, "evt-card-1")
    assert (request["PaymentId"], request["Provider"], request["ProviderOrderCode"]) == (
        "P9", "viva", "1272214778972604",
    )  # fmt: skip
    assert request["ProviderTransactionId"] == "b1a3"
