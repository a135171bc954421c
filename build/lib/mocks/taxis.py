"""A faithful mock of AADE's RgWsPublic2 (domain file §1) on the mock framework.

SOAP 1.2 answers shaped like the real service's: the types namespace as the
default namespace on the response wrapper, `srvc:` for the service
namespace, `xsi:nil="true"` on empty fields, activity codes as numbers without
leading zeros, application errors inside `error_rec` with HTTP 200, and SOAP
Faults for requests it cannot read. Injected faults answer with a SOAP 1.2
Fault (HTTP 500). Fixture businesses cover active and deactivated ΑΦΜ, main
and secondary ΚΑΔ on and off the sample list, and one ΑΦΜ per error code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from lxml import etree

from gateway.contracts import contracts_dir
from mocks.base import MockBackend

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SERVICE = "http://rgwspublic2/RgWsPublic2Service"
TYPES = "http://rgwspublic2/RgWsPublic2"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
VERSION = "RgWsPublic2 mock of the gateway project. Release: 4.0.0, 01/07/2018"


def afm_with_check(first8: str) -> str:
    """A valid ΑΦΜ from 8 digits (domain file §2), for fixtures."""
    total = 0
    for digit in first8:
        total = total * 2 + int(digit)
    return first8 + str((total * 2) % 11 % 10)


@dataclass
class Business:
    afm: str
    name: str
    activities: list[tuple[int, str, int]]  # (code as the service sends it, description, kind 1-4)
    active: bool = True
    stop_date: str | None = None
    commer_title: str | None = None
    doy: str = "1129"
    doy_descr: str = "ΣΕΡΡΩΝ"
    address: tuple[str, str, str, str] = ("ΜΕΡΑΡΧΙΑΣ", "12", "62122", "ΣΕΡΡΕΣ")
    legal_status: str = "ΙΚΕ"
    #: firm_flag_descr; default ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ while active, ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ when not
    firm_flag: str | None = None
    #: elements a newer version of the service adds to basic_rec (the WSDL does not name them)
    extra_basic: str = ""


KIND_DESCR = {1: "ΚΥΡΙΑ", 2: "ΔΕΥΤΕΡΕΥΟΥΣΑ", 3: "ΛΟΙΠΗ", 4: "ΒΟΗΘΗΤΙΚΗ"}

#: the fixture set; ΑΦΜ chosen so every one has a valid check digit
CAFE = Business(
    "090165560",
    "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ",
    [(56301000, "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", 1)],
    commer_title="Η ΠΛΑΤΕΙΑ",
)
SOFTWARE = Business(
    "094014298",
    "ΛΟΓΙΣΜΙΚΟ ΣΕΡΡΩΝ ΑΕ",
    [(62010000, "ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ Η/Υ", 1), (47411000, "ΛΙΑΝΙΚΟ ΕΜΠΟΡΙΟ Η/Υ", 3)],
    legal_status="ΑΕ",
)
BAKERY_SECONDARY = Business(
    afm_with_check("80000001"),
    "ΑΡΤΟΠΟΙΕΙΟ ΣΤΡΥΜΩΝ ΟΕ",
    [(10711000, "ΑΡΤΟΠΟΙΙΑ", 1), (56301000, "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", 2)],
    legal_status="ΟΕ",
)
CLOSED_TAVERN = Business(
    afm_with_check("80000002"),
    "ΤΑΒΕΡΝΑ ΤΟ ΚΑΣΤΡΟ",
    [(56101101, "ΥΠΗΡΕΣΙΕΣ ΕΣΤΙΑΤΟΡΙΟΥ", 1)],
    active=False,
    stop_date="2021-03-31",
    legal_status="ΑΤΟΜΙΚΗ",
)
WAREHOUSE = Business(
    afm_with_check("80000003"),
    "ΑΠΟΘΗΚΕΣ ΒΟΡΕΙΟΥ ΕΛΛΑΔΟΣ ΑΕ",
    [(5200000, "ΑΠΟΘΗΚΕΥΣΗ ΣΤΕΡΕΩΝ ΚΑΥΣΙΜΩΝ", 1), (93291101, "ΠΑΙΔΟΤΟΠΟΙ", 4)],
    legal_status="ΑΕ",
)
#: stopped trading: the ΑΦΜ stays active, but with a stop_date and ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ
STOPPED_CAFE = Business(
    afm_with_check("80000004"),
    "ΚΑΦΕ ΤΟ ΠΑΛΙΟ ΣΤΕΚΙ",
    [(56301000, "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", 1)],
    stop_date="2024-06-30",
    firm_flag="ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ",
    legal_status="ΑΤΟΜΙΚΗ",
)
#: answered as a newer AADE schema would: fields the WSDL does not name
NEWER_SCHEMA_CAFE = Business(
    afm_with_check("80000005"),
    "ΚΑΦΕΤΕΡΙΑ Η ΝΕΑ ΜΟΡΦΗ ΙΚΕ",
    [(56301000, "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", 1)],
    extra_basic="<ekpt_flag>1</ekpt_flag><eu_vat_info><vies>Y</vies></eu_vat_info>",
)
BUSINESSES = [
    CAFE, SOFTWARE, BAKERY_SECONDARY, CLOSED_TAVERN, WAREHOUSE, STOPPED_CAFE, NEWER_SCHEMA_CAFE
]  # fmt: skip

ERROR_CODES = [
    "AFM_CALLED_BY_BLOCKED",
    "AFM_CALLED_BY_NOT_FOUND",
    "EPIT_NF",
    "FAILURES_TOLERATED_EXCEEDED",
    "MAX_DAILY_USERNAME_CALLS_EXCEEDED",
    "MONTHLY_LIMIT_EXCEEDED",
    "MSG_TO_TAXISNET_ERROR",
    "NO_INPUT_PARAMETERS",
    "SERVICE_NOT_ACTIVE",
    "TAXPAYER_NF",
    "TOKEN_AFM_BLOCKED",
    "TOKEN_AFM_NOT_AUTHORIZED",
    "TOKEN_AFM_NOT_FOUND",
    "TOKEN_AFM_NOT_REGISTERED",
    "TOKEN_USERNAME_NOT_ACTIVE",
    "TOKEN_USERNAME_NOT_AUTHENTICATED",
    "TOKEN_USERNAME_NOT_DEFINED",
    "TOKEN_USERNAME_TOO_LONG",
    "WRONG_AFM",
]
#: one valid ΑΦΜ per error code: 9100000NN with its check digit, NN the code's position
ERROR_AFMS = {afm_with_check(f"91{index:06d}"): code for index, code in enumerate(ERROR_CODES)}
HOSTILE_AFM = afm_with_check("92000001")  # answers with a DTD and an entity
MALFORMED_AFM = afm_with_check("92000002")  # answers with broken XML


CALLED_BY_FIELDS = (
    "token_username", "token_afm", "token_afm_fullname", "afm_called_by",
    "afm_called_by_fullname", "as_on_date",
)  # fmt: skip
BASIC_FIELDS = (
    "afm", "doy", "doy_descr", "i_ni_flag_descr", "deactivation_flag", "deactivation_flag_descr",
    "firm_flag_descr", "onomasia", "commer_title", "legal_status_descr", "postal_address",
    "postal_address_no", "postal_zip_code", "postal_area_description", "regist_date",
    "stop_date", "normal_vat_system_flag",
)  # fmt: skip


def _leaf(name: str, value: object) -> str:
    if value is None:
        return f'<{name} xsi:nil="true"/>'
    return f"<{name}>{escape(str(value))}</{name}>"


def _envelope(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="{SOAP12}"><env:Header/><env:Body>{body}</env:Body></env:Envelope>'


def fault(reason: str, code: str = "env:Receiver") -> str:
    return _envelope(
        f"<env:Fault><env:Code><env:Value>{code}</env:Value></env:Code>"
        f'<env:Reason><env:Text xml:lang="en">{escape(reason)}</env:Text></env:Reason></env:Fault>'
    )


class FakeRgWsPublic2(MockBackend):
    name = "taxis"
    path = "/wsaade/RgWsPublic2/RgWsPublic2"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "GATEWAY_TEST",
        password: str = "test-password",
        wsdl: Path | None = None,
        path: str | None = None,
    ) -> None:
        self.path = path or self.path
        self.username = username
        self.password = password
        self.wsdl = (wsdl or contracts_dir() / "taxis" / "RgWsPublic2.wsdl").read_text(
            encoding="utf-8"
        )
        self.businesses = {b.afm: b for b in BUSINESSES}
        self.calls_by_afm: dict[str, int] = {}
        self.call_seq = 0
        super().__init__(host, port)

    @property
    def endpoint(self) -> str:
        return self.url + self.path

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get(self.path, self._wsdl)
        app.router.add_post(self.path, self._call)

    def state(self) -> dict[str, Any]:
        return {
            "calls_by_afm": self.calls_by_afm,
            "call_seq": self.call_seq,
            "businesses": sorted(self.businesses),
        }

    def reset_state(self) -> None:
        self.calls_by_afm.clear()
        self.call_seq = 0

    def fault_response(self, request: web.Request) -> web.StreamResponse:
        return self._soap(fault("injected fault: service unavailable"), status=500)

    @staticmethod
    def _soap(text: str, status: int = 200) -> web.Response:
        return web.Response(
            text=text, status=status, content_type="application/soap+xml", charset="utf-8"
        )

    async def _wsdl(self, request: web.Request) -> web.Response:
        if "wsdl" not in {k.lower() for k in request.query}:
            return web.Response(
                status=405, text="POST SOAP 1.2 requests here; GET ?WSDL for the contract"
            )
        return web.Response(
            text=self.wsdl.replace(
                "https://www1.gsis.gr/wsaade/RgWsPublic2/RgWsPublic2", self.endpoint
            ),
            content_type="text/xml",
        )

    async def _call(self, request: web.Request) -> web.Response:
        if not request.content_type == "application/soap+xml":
            return self._soap(
                fault(
                    f"unsupported content type {request.content_type}; this is a SOAP 1.2 service",
                    "env:Sender",
                ),
                415,
            )
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            document = etree.fromstring(await request.read(), parser)
        except etree.XMLSyntaxError as exc:
            return self._soap(fault(f"malformed request: {exc}", "env:Sender"), 400)
        body = document.find(f"{{{SOAP12}}}Body")
        if document.tag != f"{{{SOAP12}}}Envelope" or body is None or len(body) == 0:
            return self._soap(fault("not a SOAP 1.2 envelope", "env:Sender"), 400)
        operation = body[0]
        if operation.tag == f"{{{SERVICE}}}rgWsPublic2VersionInfo":
            return self._soap(
                _envelope(
                    f'<srvc:rgWsPublic2VersionInfoResponse xmlns:srvc="{SERVICE}"><srvc:result>{VERSION}</srvc:result></srvc:rgWsPublic2VersionInfoResponse>'
                )
            )
        if operation.tag != f"{{{SERVICE}}}rgWsPublic2AfmMethod":
            return self._soap(fault(f"unknown operation {operation.tag}", "env:Sender"), 400)
        record = operation.find(f"{{{SERVICE}}}INPUT_REC")
        if record is None:
            return self._soap(fault("INPUT_REC is missing", "env:Sender"), 400)
        for child in record:
            if child.tag.startswith(f"{{{SERVICE}}}") or (child.text or "").strip() == "":
                # the real service is picky: children in the types namespace, optional ones left out, never empty
                return self._soap(fault(f"invalid INPUT_REC child {child.tag}", "env:Sender"), 500)
        afm = (record.findtext(f"{{{TYPES}}}afm_called_for") or "").strip()
        called_by = record.findtext(f"{{{TYPES}}}afm_called_by")
        as_on = record.findtext(f"{{{TYPES}}}as_on_date")
        self.call_seq += 1
        self.calls_by_afm[afm] = self.calls_by_afm.get(afm, 0) + 1
        token = document.find(f"{{{SOAP12}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
        user = token.findtext(f"{{{WSSE}}}Username") if token is not None else None
        password = token.findtext(f"{{{WSSE}}}Password") if token is not None else None
        if user is None:
            return self._result(error="TOKEN_USERNAME_NOT_DEFINED", descr="Δεν δόθηκε όνομα χρήστη")
        if (user, password) != (self.username, self.password):
            return self._result(
                error="TOKEN_USERNAME_NOT_AUTHENTICATED", descr="Λάθος όνομα χρήστη ή κωδικός"
            )
        if afm == HOSTILE_AFM:
            return self._soap(
                '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY boom "boom">]>'
                + _envelope("<x>&boom;</x>").split("?>", 1)[1]
            )
        if afm == MALFORMED_AFM:
            return self._soap(_envelope("<srvc:rgWsPublic2AfmMethodResponse>")[:-30])
        if not afm:
            return self._result(error="NO_INPUT_PARAMETERS", descr="Δεν δόθηκαν παράμετροι")
        if afm in ERROR_AFMS:
            return self._result(
                error=ERROR_AFMS[afm],
                descr=f"Σφάλμα {ERROR_AFMS[afm]}",
                user=user,
                called_by=called_by,
                as_on=as_on,
            )
        if not (len(afm) == 9 and afm.isdigit()) or afm_with_check(afm[:8]) != afm:
            return self._result(
                error="WRONG_AFM",
                descr="Λανθασμένος ΑΦΜ",
                user=user,
                called_by=called_by,
                as_on=as_on,
            )
        business = self.businesses.get(afm)
        if business is None:
            return self._result(
                error="TAXPAYER_NF",
                descr="Ο ΑΦΜ δεν βρέθηκε",
                user=user,
                called_by=called_by,
                as_on=as_on,
            )
        return self._result(business=business, user=user, called_by=called_by, as_on=as_on)

    def _result(
        self,
        *,
        business: Business | None = None,
        error: str | None = None,
        descr: str | None = None,
        user: str | None = None,
        called_by: str | None = None,
        as_on: str | None = None,
    ) -> web.Response:
        parts = [_leaf("call_seq_id", self.call_seq)]
        parts.append(
            "<error_rec>"
            + _leaf("error_code", f"RG_WS_PUBLIC_{error}" if error else None)
            + _leaf("error_descr", descr)
            + "</error_rec>"
        )
        if error:
            # the live service's error answer: every child of the two records nil, afm and
            # deactivation_flag included, and no firm_act_tab at all (domain §1)
            parts.append(
                "<afm_called_by_rec>"
                + "".join(_leaf(name, None) for name in CALLED_BY_FIELDS)
                + "</afm_called_by_rec><basic_rec>"
                + "".join(_leaf(name, None) for name in BASIC_FIELDS)
                + "</basic_rec>"
            )
        else:
            assert business is not None
            parts.append(
                "<afm_called_by_rec>"
                + _leaf("token_username", user)
                + _leaf("token_afm", "090000045")
                + _leaf("token_afm_fullname", "ΔΗΜΟΣ ΣΕΡΡΩΝ")
                + _leaf("afm_called_by", called_by)
                + _leaf("afm_called_by_fullname", "ΔΗΜΟΣ ΣΕΡΡΩΝ" if called_by else None)
                + _leaf("as_on_date", as_on or date.today().isoformat())
                + "</afm_called_by_rec>"
            )
            street, number, zip_code, area = business.address
            basic = [
                ("afm", business.afm),
                ("doy", business.doy),
                ("doy_descr", business.doy_descr),
                ("i_ni_flag_descr", "ΜΗ ΦΠ"),
                ("deactivation_flag", 1 if business.active else 2),
                (
                    "deactivation_flag_descr",
                    "ΕΝΕΡΓΟΣ ΑΦΜ" if business.active else "ΑΠΕΝΕΡΓΟΠΟΙΗΜΕΝΟΣ ΑΦΜ",
                ),
                (
                    "firm_flag_descr",
                    business.firm_flag
                    or ("ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ" if business.active else "ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ"),
                ),
                ("onomasia", business.name),
                ("commer_title", business.commer_title),
                ("legal_status_descr", business.legal_status),
                ("postal_address", street),
                ("postal_address_no", number),
                ("postal_zip_code", zip_code),
                ("postal_area_description", area),
                ("regist_date", "2015-04-01"),
                ("stop_date", business.stop_date),
                ("normal_vat_system_flag", "Y"),
            ]
            parts.append(
                "<basic_rec>"
                + "".join(_leaf(k, v) for k, v in basic)
                + business.extra_basic
                + "</basic_rec>"
            )
            items = "".join(
                "<item>"
                + _leaf("firm_act_code", code)
                + _leaf("firm_act_descr", text)
                + _leaf("firm_act_kind", kind)
                + _leaf("firm_act_kind_descr", KIND_DESCR[kind])
                + "</item>"
                for code, text, kind in business.activities
            )
            parts.append(f"<firm_act_tab>{items}</firm_act_tab>")
        return self._soap(
            _envelope(
                f'<srvc:rgWsPublic2AfmMethodResponse xmlns="{TYPES}" xmlns:srvc="{SERVICE}" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<srvc:result><rg_ws_public2_result_rtType>{''.join(parts)}</rg_ws_public2_result_rtType></srvc:result>"
                "</srvc:rgWsPublic2AfmMethodResponse>"
            )
        )
