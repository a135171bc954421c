"""A mock of the GENESIS back office, speaking our contract (gateway/contracts/genesis/genesis.wsdl).

It keeps taxpayers, confirmed debts and receipts. Posting a receipt twice for
one payment id returns the first receipt. One RF may cover several debts (a
grouped notice): a payment is applied to them oldest due first, in part where
it does not cover one, and the receipt says what it applied. An RF code it
does not know, or more than the RF's debts, is refused with a SOAP Fault
whose detail names the error code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from aiohttp import web
from lxml import etree

from gateway.contracts import contracts_dir
from gateway.domain.rf import normalize_rf, rf_for
from mocks.base import MockBackend

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:gateway:genesis:v1"
CENT = Decimal("0.01")


@dataclass
class Debt:
    debt_id: str
    afm: str
    category: str
    description: str
    amount: Decimal
    rf_code: str
    due_date: str


@dataclass
class Receipt:
    receipt_number: str
    payment_id: str
    rf_code: str
    amount: Decimal
    posted_at: str
    payer_afm: str
    payer_name: str
    channel: str | None
    applied: list[tuple[str, str, Decimal, bool]]  # category, description, amount, settled
    provider: dict[str, str]
    paid_at: str = ""


def _envelope(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP11}"><soap:Body>{body}</soap:Body></soap:Envelope>'


def fault(code: str, message: str, who: str = "Client") -> str:
    return _envelope(
        f"<soap:Fault><faultcode>soap:{who}</faultcode><faultstring>{escape(message)}</faultstring>"
        f'<detail><g:ErrorCode xmlns:g="{NS}">{code}</g:ErrorCode></detail></soap:Fault>'
    )


class FakeGenesis(MockBackend):
    name = "genesis"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, path: str = "/services/Genesis"
    ) -> None:
        self.path = path
        self.wsdl = (contracts_dir() / "genesis" / "genesis.wsdl").read_text(encoding="utf-8")
        self.debts: dict[str, Debt] = {}
        self.debt_ids = 0
        self.receipts: dict[str, Receipt] = {}
        self.contacts: dict[str, dict[str, str | None]] = {}
        self.posts = 0
        super().__init__(host, port)
        self.load_fixtures()

    @property
    def endpoint(self) -> str:
        return self.url + self.path

    def load_fixtures(self) -> None:
        """A citizen with debts (the example payment's RF among them) and a business with none."""
        self.add_debt(
            "094259216",
            "TAP",
            "Τέλος Ακίνητης Περιουσίας 2026",
            Decimal("125.40"),
            rf="RF18539007547034",
        )
        self.add_debt(
            "094259216",
            "CLEANING_LIGHTING",
            "Τέλη καθαριότητας και φωτισμού Β' εξάμηνο",
            Decimal("86.15"),
        )
        self.add_debt(
            "094259216", "TAP", "Τέλος Ακίνητης Περιουσίας 2025 (υπόλοιπο)", Decimal("12.05")
        )
        # a grouped notice: one RF for two debts, the older due first
        grouped = rf_for("0000094014298")
        self.add_debt(
            "094014298", "CLEANING_LIGHTING", "Τέλη καθαριότητας Α' εξάμηνο", Decimal("40.00"),
            rf=grouped, due="2026-06-30",
        )  # fmt: skip
        self.add_debt(
            "094014298", "CLEANING_LIGHTING", "Τέλη καθαριότητας Β' εξάμηνο", Decimal("40.00"),
            rf=grouped, due="2026-12-31",
        )  # fmt: skip

    def add_debt(
        self,
        afm: str,
        category: str,
        description: str,
        amount: Decimal,
        rf: str | None = None,
        due: str = "2026-12-31",
    ) -> str:
        self.debt_ids += 1
        code = rf or rf_for(f"{self.debt_ids:04d}{afm}")
        debt_id = f"D{self.debt_ids:05d}"
        self.debts[debt_id] = Debt(
            debt_id, afm, category, description, amount.quantize(CENT), code, due
        )
        return code

    def owed(self, rf: str) -> Decimal:
        """What the debts under one RF still owe."""
        return sum((d.amount for d in self.debts.values() if d.rf_code == rf), Decimal("0"))

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get(self.path, self._wsdl)
        app.router.add_post(self.path, self._call)

    def state(self) -> dict[str, Any]:
        return {
            "debts": [{**asdict(d), "amount": str(d.amount)} for d in self.debts.values()],
            "receipts": [
                {
                    **asdict(r),
                    "amount": str(r.amount),
                    "applied": [
                        {"category": c, "description": d, "amount": str(a), "settled": s}
                        for c, d, a, s in r.applied
                    ],
                }
                for r in self.receipts.values()
            ],
            "contacts": self.contacts,
            "posts": self.posts,
        }

    def reset_state(self) -> None:
        self.debts.clear()
        self.debt_ids = 0
        self.receipts.clear()
        self.contacts.clear()
        self.posts = 0
        self.load_fixtures()

    def fault_response(self, request: web.Request) -> web.StreamResponse:
        return self._soap(
            fault("UNAVAILABLE", "injected fault: GENESIS is unavailable", "Server"), 500
        )

    @staticmethod
    def _soap(text: str, status: int = 200) -> web.Response:
        return web.Response(text=text, status=status, content_type="text/xml", charset="utf-8")

    async def _wsdl(self, request: web.Request) -> web.Response:
        return web.Response(
            text=self.wsdl.replace("https://genesis.example/services/Genesis", self.endpoint),
            content_type="text/xml",
        )

    async def _call(self, request: web.Request) -> web.Response:
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            document = etree.fromstring(await request.read(), parser)
        except etree.XMLSyntaxError as exc:
            return self._soap(fault("INVALID_REQUEST", f"malformed request: {exc}"), 500)
        body = document.find(f"{{{SOAP11}}}Body")
        if body is None or len(body) == 0:
            return self._soap(fault("INVALID_REQUEST", "not a SOAP 1.1 envelope"), 500)
        operation = body[0]
        name = etree.QName(operation).localname
        if etree.QName(operation).namespace != NS:
            return self._soap(fault("INVALID_REQUEST", f"unknown operation {operation.tag}"), 500)
        fields = {etree.QName(child).localname: (child.text or "").strip() for child in operation}
        handler = {
            "PostReceipt": self._post,
            "GetReceipt": self._get,
            "ListDebts": self._debts,
            "ListReceipts": self._receipts_of_day,
            "UpsertContact": self._contact,
            "VersionInfo": lambda _f: self._answer(
                "VersionInfoResponse",
                "<g:Version>GENESIS mock of the gateway project 1.0</g:Version>",
            ),
        }.get(name)
        if handler is None:
            return self._soap(fault("INVALID_REQUEST", f"unknown operation {name}"), 500)
        return handler(fields)

    def _answer(self, element: str, inner: str) -> web.Response:
        return self._soap(_envelope(f'<g:{element} xmlns:g="{NS}">{inner}</g:{element}>'))

    @staticmethod
    def _receipt_xml(receipt: Receipt) -> str:
        applied = "".join(
            f"<g:Applied><g:Category>{escape(category)}</g:Category>"
            f"<g:Description>{escape(description)}</g:Description><g:Amount>{amount}</g:Amount>"
            f"<g:Settled>{'true' if settled else 'false'}</g:Settled></g:Applied>"
            for category, description, amount, settled in receipt.applied
        )
        return (
            f"<g:Receipt><g:ReceiptNumber>{escape(receipt.receipt_number)}</g:ReceiptNumber>"
            f"<g:PaymentId>{escape(receipt.payment_id)}</g:PaymentId><g:RfCode>{receipt.rf_code}</g:RfCode>"
            f"<g:Amount>{receipt.amount}</g:Amount><g:PostedAt>{receipt.posted_at}</g:PostedAt>"
            f"{applied}"
            + (f"<g:PaidAt>{escape(receipt.paid_at)}</g:PaidAt>" if receipt.paid_at else "")
            + (f"<g:Channel>{escape(receipt.channel)}</g:Channel>" if receipt.channel else "")
            + "</g:Receipt>"
        )

    def _post(self, fields: dict[str, str]) -> web.Response:
        payment_id = fields.get("PaymentId", "")
        try:
            amount = Decimal(fields.get("Amount", "")).quantize(CENT)
        except InvalidOperation:
            return self._soap(
                fault("INVALID_REQUEST", f"Amount {fields.get('Amount')!r} is not a decimal"), 500
            )
        rf = normalize_rf(fields.get("RfCode", ""))
        first = self.receipts.get(payment_id)
        if first is not None:
            if (first.rf_code, first.amount) != (rf, amount):
                return self._soap(
                    fault(
                        "INVALID_REQUEST",
                        f"payment {payment_id} was posted before with another RF code or amount",
                    ),
                    500,
                )
            return self._answer(
                "PostReceiptResponse", self._receipt_xml(first) + "<g:Duplicate>true</g:Duplicate>"
            )
        covered = sorted(
            (d for d in self.debts.values() if d.rf_code == rf),
            key=lambda d: (d.due_date, d.debt_id),
        )
        if not covered:
            return self._soap(
                fault(
                    "UNKNOWN_RF", f"Ο κωδικός πληρωμής {rf} δεν αντιστοιχεί σε βεβαιωμένη οφειλή"
                ),
                500,
            )
        owed = sum((d.amount for d in covered), Decimal("0"))
        if amount <= 0 or amount > owed:
            return self._soap(
                fault(
                    "AMOUNT_MISMATCH",
                    f"Το ποσό {amount} δεν αντιστοιχεί στην οφειλή {rf} (υπόλοιπο {owed})",
                ),
                500,
            )
        left = amount
        applied: list[tuple[str, str, Decimal, bool]] = []
        for debt in covered:  # oldest due first; the last one reached may be paid in part
            if left == 0:
                break
            part = min(left, debt.amount)
            debt.amount -= part
            left -= part
            applied.append((debt.category, debt.description, part, debt.amount == 0))
            if debt.amount == 0:
                del self.debts[debt.debt_id]
        self.posts += 1
        receipt = Receipt(
            f"ΓΡ-{date.today().year}-{self.posts:06d}",
            payment_id,
            rf,
            amount,
            datetime.now(UTC).isoformat(timespec="seconds"),
            fields.get("PayerAfm", ""),
            fields.get("PayerName", ""),
            fields.get("Channel"),
            applied,
            {
                key: fields[field]
                for key, field in (
                    ("provider", "Provider"),
                    ("order_code", "ProviderOrderCode"),
                    ("transaction_id", "ProviderTransactionId"),
                )
                if fields.get(field)
            },
            fields.get("PaidAt", ""),
        )
        self.receipts[payment_id] = receipt
        return self._answer(
            "PostReceiptResponse", self._receipt_xml(receipt) + "<g:Duplicate>false</g:Duplicate>"
        )

    def import_bank_payment(self, rf: str, amount: Decimal, paid_at: str) -> str:
        """GENESIS imports a DIAS payment from the bank's file itself, under an id of its own."""
        payment_id = f"DIAS-{len(self.receipts) + 1:06d}"
        self._post(
            {
                "PaymentId": payment_id,
                "RfCode": rf,
                "Amount": str(amount),
                "PaidAt": paid_at,
                "Channel": "dias",
            }
        )
        return payment_id

    def _receipts_of_day(self, fields: dict[str, str]) -> web.Response:
        try:
            day = date.fromisoformat(fields.get("Date", ""))
        except ValueError:
            return self._soap(fault("INVALID_REQUEST", f"Date {fields.get('Date')!r}"), 500)
        listed = "".join(
            self._receipt_xml(receipt)
            for receipt in self.receipts.values()
            if _athens_day(receipt.paid_at) == day
        )
        return self._answer("ListReceiptsResponse", listed)

    def _get(self, fields: dict[str, str]) -> web.Response:
        receipt = self.receipts.get(fields.get("PaymentId", ""))
        return self._answer("GetReceiptResponse", self._receipt_xml(receipt) if receipt else "")

    def _debts(self, fields: dict[str, str]) -> web.Response:
        afm = fields.get("Afm", "")
        if not (len(afm) == 9 and afm.isdigit()):
            return self._soap(fault("INVALID_AFM", f"Μη έγκυρος ΑΦΜ {afm!r}"), 500)
        category = fields.get("Category") or None
        items = "".join(
            f"<g:Debt><g:Category>{d.category}</g:Category><g:Description>{escape(d.description)}</g:Description>"
            f"<g:Amount>{d.amount}</g:Amount><g:RfCode>{d.rf_code}</g:RfCode><g:DueDate>{d.due_date}</g:DueDate></g:Debt>"
            for d in self.debts.values()
            if d.afm == afm and (category is None or d.category == category)
        )
        return self._answer("ListDebtsResponse", items)

    def _contact(self, fields: dict[str, str]) -> web.Response:
        afm = fields.get("Afm", "")
        if not (len(afm) == 9 and afm.isdigit()):
            return self._soap(fault("INVALID_AFM", f"Μη έγκυρος ΑΦΜ {afm!r}"), 500)
        new = {"email": fields.get("Email"), "full_name": fields.get("FullName")}
        changed = self.contacts.get(afm) != new
        self.contacts[afm] = new
        return self._answer(
            "UpsertContactResponse", f"<g:Changed>{'true' if changed else 'false'}</g:Changed>"
        )


def _athens_day(moment: str) -> date | None:
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(ZoneInfo("Europe/Athens")).date() if parsed.tzinfo else parsed.date()
