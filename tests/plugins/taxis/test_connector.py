"""The taxis connector alone, with respx: requests against the contract, every answer mapped."""

from __future__ import annotations

import logging

import httpx
import pytest
from lxml import etree

from gateway.errors import (
    ConfigurationError,
    ConnectionFailed,
    InvalidInputError,
    NotFoundError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from gateway.plugin_api import Event, PluginContext
from plugins.taxis.connector import TaxisConnector
from tests.plugins.taxis.support import (
    SERVICE,
    SOAP12,
    TYPES,
    URL,
    WSSE,
    business_reply,
    context,
    error_reply,
    reply,
)

SOAP = {"Content-Type": "application/soap+xml; charset=utf-8"}


@pytest.fixture
async def connector():  # type: ignore[no-untyped-def]
    made = TaxisConnector(context())
    yield made
    await made.aclose()


def _request_body(respx_mock) -> etree._Element:  # type: ignore[no-untyped-def]
    return etree.fromstring(respx_mock.calls.last.request.content)


async def test_request_follows_the_contract(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=business_reply(), headers=SOAP))
    await connector.check("090165560")
    request = respx_mock.calls.last.request
    assert request.headers["Content-Type"].startswith("application/soap+xml")
    assert "charset=utf-8" in request.headers["Content-Type"]
    envelope = _request_body(respx_mock)
    assert envelope.tag == f"{{{SOAP12}}}Envelope"
    record = envelope.find(
        f"{{{SOAP12}}}Body/{{{SERVICE}}}rgWsPublic2AfmMethod/{{{SERVICE}}}INPUT_REC"
    )
    assert [(child.tag, child.text) for child in record] == [
        (f"{{{TYPES}}}afm_called_for", "090165560")
    ]
    token = envelope.find(f"{{{SOAP12}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    assert token.findtext(f"{{{WSSE}}}Username") == "GATEWAY_TEST"
    assert token.findtext(f"{{{WSSE}}}Password") == "test-password"


async def test_afm_called_by_is_sent_when_configured(respx_mock) -> None:  # type: ignore[no-untyped-def]
    connector = TaxisConnector(context(afm_called_by="090000045"))
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=business_reply(), headers=SOAP))
    await connector.check("090165560")
    record = _request_body(respx_mock).find(
        f"{{{SOAP12}}}Body/{{{SERVICE}}}rgWsPublic2AfmMethod/{{{SERVICE}}}INPUT_REC"
    )
    assert [child.tag.split("}")[1] for child in record] == ["afm_called_by", "afm_called_for"]
    await connector.aclose()


async def test_a_bad_check_digit_never_reaches_the_service(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.post(URL)
    with pytest.raises(InvalidInputError, match="check digit"):
        await connector.check("123456781")
    assert not route.called
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=business_reply(), headers=SOAP))
    await connector.check("090165560")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("WRONG_AFM", InvalidInputError),
        ("TAXPAYER_NF", NotFoundError),
        ("TOKEN_USERNAME_NOT_AUTHENTICATED", ConfigurationError),
        ("AFM_CALLED_BY_NOT_FOUND", ConfigurationError),
        ("MAX_DAILY_USERNAME_CALLS_EXCEEDED", ThrottledError),
        ("MONTHLY_LIMIT_EXCEEDED", ThrottledError),
        ("MSG_TO_TAXISNET_ERROR", TransientError),
        ("SERVICE_NOT_ACTIVE", TransientError),
    ],
)
async def test_error_rec_codes(respx_mock, connector, code: str, error: type) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(
        return_value=httpx.Response(200, text=error_reply(code), headers=SOAP)
    )
    with pytest.raises(error) as caught:
        await connector.check("090165560")
    assert caught.value.code == code
    health = await connector.health() if error is ConfigurationError else None
    if health is not None:
        assert not health.ok and code in health.detail


FAULT = (
    f'<env:Envelope xmlns:env="{SOAP12}"><env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code>'
    '<env:Reason><env:Text xml:lang="en">Internal error</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>'
)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            httpx.Response(500, text=FAULT, headers=SOAP),
            "SOAP Fault from the service: Internal error",
        ),
        (
            httpx.Response(
                503, text="<html>maintenance</html>", headers={"Content-Type": "text/html"}
            ),
            "HTTP 503",
        ),
        (httpx.Response(200, text="<env:Envelope xmlns:env", headers=SOAP), "HTTP 200"),
        (
            httpx.Response(
                200,
                text='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
                headers=SOAP,
            ),
            "DTD or entities",
        ),
        (
            httpx.Response(
                200,
                text=business_reply().replace("<basic_rec>", "<basic_rec><afm>not closed"),
                headers=SOAP,
            ),
            "invalid XML",
        ),
    ],
)
async def test_broken_answers_are_transient(respx_mock, connector, answer, message: str) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(return_value=answer)
    with pytest.raises(TransientError, match=message):
        await connector.check("090165560")


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectError("refused"), ConnectionFailed),
        (httpx.ReadTimeout("slow"), TransientError),
        (httpx.RemoteProtocolError("dropped"), TransientError),
    ],
)
async def test_transport_failures(respx_mock, connector, failure, error) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(side_effect=failure)
    with pytest.raises(error):
        await connector.check("090165560")


async def test_delivery_emits_business_checked(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=business_reply(), headers=SOAP))
    citizen = {"afm": "094259216", "full_name": "Μαρία", "email": "m@example.gr"}
    event = Event(
        "e1",
        "request.submitted",
        "/portal",
        {"request_id": "R1", "business": {"afm": "090165560"}, "citizen": citizen, "locale": "el"},
    )
    answer = await connector.deliver(event)
    assert answer.result is not None and answer.result["eligible"] is True
    (emit,) = answer.emit
    assert emit.type == "business.checked"
    assert (
        emit.data["request_id"] == "R1"
        and emit.data["citizen"] == citizen
        and emit.data["locale"] == "el"
    )
    with pytest.raises(PermanentError, match=r"business\.afm"):
        await connector.deliver(Event("e2", "request.submitted", "/portal", {"request_id": "R2"}))


async def test_health_uses_version_info(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    version = (
        f'<env:Envelope xmlns:env="{SOAP12}"><env:Body><srvc:rgWsPublic2VersionInfoResponse xmlns:srvc="{SERVICE}">'
        "<srvc:result>Release: 4.0.0, 01/07/2018</srvc:result></srvc:rgWsPublic2VersionInfoResponse></env:Body></env:Envelope>"
    )
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=version, headers=SOAP))
    health = await connector.health()
    assert health.ok and "Release: 4.0.0" in health.detail
    assert b"rgWsPublic2VersionInfo" in respx_mock.calls.last.request.content
    assert b"rgWsPublic2AfmMethod" not in respx_mock.calls.last.request.content


async def test_elements_the_wsdl_does_not_name_are_ignored_and_logged_once(
    respx_mock, connector, caplog
) -> None:  # type: ignore[no-untyped-def]
    """AADE adding a field must not fail every look-up: parse leniently, validate what is needed."""
    newer = (
        business_reply()
        .replace("<basic_rec>", "<basic_rec><ekpt_flag>1</ekpt_flag>")
        .replace("</firm_act_tab>", "</firm_act_tab><new_block><x>1</x></new_block>")
        .replace("<firm_act_kind>", "<firm_act_note>νέο</firm_act_note><firm_act_kind>")
    )
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=newer, headers=SOAP))
    caplog.set_level("WARNING")
    first = await connector.check("090165560")
    assert first["name"] == "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ" and first["eligible"] is True
    assert first["kad"] == [
        {"code": "56301000", "description": "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", "kind": "main"}
    ]
    warned = [r.getMessage() for r in caplog.records if "does not name" in r.getMessage()]
    assert len(warned) == 3 and any("basic_rec/ekpt_flag" in w for w in warned)
    await connector.check("094259216")
    assert len([r for r in caplog.records if "does not name" in r.getMessage()]) == 3  # once


async def test_the_live_error_answer_is_understood(respx_mock, connector) -> None:  # type: ignore[no-untyped-def]
    """Every child of basic_rec and afm_called_by_rec nil, and no firm_act_tab at all."""
    nil = "".join
    live = reply(
        "<call_seq_id>8</call_seq_id><error_rec><error_code>RG_WS_PUBLIC_TAXPAYER_NF</error_code>"
        "<error_descr>Ο ΑΦΜ δεν βρέθηκε</error_descr></error_rec><afm_called_by_rec>"
        + nil(f'<{n} xsi:nil="true"/>' for n in ("token_username", "token_afm", "as_on_date"))
        + "</afm_called_by_rec><basic_rec>"
        + nil(
            f'<{n} xsi:nil="true"/>' for n in ("afm", "deactivation_flag", "onomasia", "stop_date")
        )
        + "</basic_rec>"
    )
    assert "firm_act_tab" not in live
    respx_mock.post(URL).mock(return_value=httpx.Response(200, text=live, headers=SOAP))
    with pytest.raises(NotFoundError, match="TAXPAYER_NF"):
        await connector.check("090165560")


@pytest.mark.parametrize(
    ("service", "port"),
    [("RgWsPublic2Service", "RgWsPublic2ServicePort"), ("RgWsPublic2", "RgWsPublic2Port")],
)
async def test_any_service_and_port_names_in_the_wsdl_work_unchanged(
    respx_mock, tmp_path, service: str, port: str
) -> None:  # type: ignore[no-untyped-def]
    """The real WSDL (its own service, port, port type and binding names) drops into gateway/contracts/."""
    import shutil

    from gateway.contracts import contracts_dir
    from plugins.taxis.settings import TaxisSettings

    copy = tmp_path / "contracts"
    shutil.copytree(contracts_dir(), copy)
    wsdl = copy / "taxis" / "RgWsPublic2.wsdl"
    text = wsdl.read_text(encoding="utf-8")
    for shipped, renamed in [
        ('name="RgWsPublic2ServiceInterface"', f'name="{port}Type"'),
        ('type="srvc:RgWsPublic2ServiceInterface"', f'type="srvc:{port}Type"'),
        ('name="RgWsPublic2ServicePortBinding"', f'name="{port}Binding"'),
        ('binding="srvc:RgWsPublic2ServicePortBinding"', f'binding="srvc:{port}Binding"'),
        ('<service name="RgWsPublic2Service">', f'<service name="{service}">'),
        ('<port name="RgWsPublic2ServicePort"', f'<port name="{port}"'),
    ]:
        assert shipped in text
        text = text.replace(shipped, renamed)
    wsdl.write_text(text, encoding="utf-8")
    settings = context().settings
    assert isinstance(settings, TaxisSettings)
    made = TaxisConnector(PluginContext("taxis", settings, copy, logging.getLogger("test.taxis")))
    try:
        respx_mock.post(URL).mock(
            return_value=httpx.Response(200, text=business_reply(), headers=SOAP)
        )
        assert (await made.check("090165560"))["name"] == "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ"
    finally:
        await made.aclose()
