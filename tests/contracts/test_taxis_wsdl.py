"""gateway/contracts/taxis/RgWsPublic2.wsdl: loads offline and strictly, and yields the request the real service expects."""

from __future__ import annotations

from lxml import etree
from zeep import Client, Settings
from zeep.wsse.username import UsernameToken

from gateway.contracts import contracts_dir

WSDL = contracts_dir() / "taxis" / "RgWsPublic2.wsdl"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SERVICE = "http://rgwspublic2/RgWsPublic2Service"
TYPES = "http://rgwspublic2/RgWsPublic2"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def client() -> Client:
    settings = Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return Client(str(WSDL), settings=settings, wsse=UsernameToken("gateway-user", "secret"))


def test_the_note_says_it_is_ours() -> None:
    head = WSDL.read_text(encoding="utf-8")[:2000]
    assert "our contract" in head and "No official copy" in head and "assumption" in head


def test_both_operations_on_a_soap_1_2_binding() -> None:
    port = client().wsdl.services["RgWsPublic2Service"].ports["RgWsPublic2ServicePort"]
    assert type(port.binding).__name__ == "Soap12Binding"
    assert set(port.binding._operations) == {"rgWsPublic2AfmMethod", "rgWsPublic2VersionInfo"}


def test_request_namespaces_token_and_no_empty_optionals() -> None:
    zeep = client()
    service = zeep.bind("RgWsPublic2Service", "RgWsPublic2ServicePort")
    envelope = zeep.create_message(
        service, "rgWsPublic2AfmMethod", INPUT_REC={"afm_called_for": "090165560"}
    )
    assert envelope.tag == f"{{{SOAP12}}}Envelope"
    record = envelope.find(
        f"{{{SOAP12}}}Body/{{{SERVICE}}}rgWsPublic2AfmMethod/{{{SERVICE}}}INPUT_REC"
    )
    assert record is not None
    assert [child.tag for child in record] == [
        f"{{{TYPES}}}afm_called_for"
    ]  # afm_called_by and as_on_date left out
    token = envelope.find(f"{{{SOAP12}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    assert token is not None and token.findtext(f"{{{WSSE}}}Username") == "gateway-user"
    assert "PasswordText" in token.find(f"{{{WSSE}}}Password").get("Type")
    assert b"<ns" in etree.tostring(envelope)


def test_a_reply_with_nil_fields_and_default_namespace_parses() -> None:
    zeep = client()
    reply = f"""<env:Envelope xmlns:env="{SOAP12}"><env:Body>
      <srvc:rgWsPublic2AfmMethodResponse xmlns="{TYPES}" xmlns:srvc="{SERVICE}"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <srvc:result><rg_ws_public2_result_rtType>
          <call_seq_id>42</call_seq_id>
          <error_rec><error_code xsi:nil="true"/><error_descr xsi:nil="true"/></error_rec>
          <basic_rec><afm>090165560</afm><deactivation_flag>1</deactivation_flag>
            <onomasia>ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ</onomasia><commer_title xsi:nil="true"/><stop_date xsi:nil="true"/></basic_rec>
          <firm_act_tab><item><firm_act_code>5200000</firm_act_code><firm_act_descr>ΑΠΟΘΗΚΕΥΣΗ</firm_act_descr>
            <firm_act_kind>1</firm_act_kind><firm_act_kind_descr>ΚΥΡΙΑ</firm_act_kind_descr></item></firm_act_tab>
        </rg_ws_public2_result_rtType></srvc:result>
      </srvc:rgWsPublic2AfmMethodResponse></env:Body></env:Envelope>"""
    operation = zeep.wsdl.bindings[f"{{{SERVICE}}}RgWsPublic2ServicePortBinding"].get(
        "rgWsPublic2AfmMethod"
    )
    body = operation.output.deserialize(etree.fromstring(reply.encode()))
    record = body  # zeep unwraps the single-child result wrappers
    assert record.error_rec.error_code is None
    assert (
        record.basic_rec.commer_title is None
        and record.basic_rec.onomasia == "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ"
    )
    assert int(record.firm_act_tab.item[0].firm_act_code) == 5200000
