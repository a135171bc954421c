"""Building taxis settings, contexts and SOAP replies for the tests."""

from __future__ import annotations

import logging
from typing import Any

from gateway.contracts import contracts_dir
from gateway.plugin_api import PluginContext
from plugins.taxis.settings import TaxisSettings

URL = "http://registry.test/wsaade/RgWsPublic2/RgWsPublic2"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SERVICE = "http://rgwspublic2/RgWsPublic2Service"
TYPES = "http://rgwspublic2/RgWsPublic2"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


def settings(**changes: Any) -> TaxisSettings:
    values: dict[str, Any] = {
        "url": URL,
        "username": "GATEWAY_TEST",
        "password": "test-password",
        "affected_kad": ["56.30", "56.10"],
        "affected_kad_version": "2020-1",
        "timeout": 5,
    }
    values.update(changes)
    return TaxisSettings.model_validate(values)


def context(cache: Any = None, **changes: Any) -> PluginContext:
    return PluginContext(
        "taxis", settings(**changes), contracts_dir(), logging.getLogger("test.taxis"), cache
    )


def reply(inner: str) -> str:
    return (
        f'<env:Envelope xmlns:env="{SOAP12}"><env:Body><srvc:rgWsPublic2AfmMethodResponse xmlns="{TYPES}" '
        f'xmlns:srvc="{SERVICE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><srvc:result>'
        f"<rg_ws_public2_result_rtType>{inner}</rg_ws_public2_result_rtType></srvc:result>"
        "</srvc:rgWsPublic2AfmMethodResponse></env:Body></env:Envelope>"
    )


NO_ERROR = '<error_rec><error_code xsi:nil="true"/><error_descr xsi:nil="true"/></error_rec>'


def business_reply(afm: str = "090165560", flag: int = 1, items: str | None = None) -> str:
    items = (
        items
        if items is not None
        else (
            "<item><firm_act_code>56301000</firm_act_code><firm_act_descr>ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ</firm_act_descr>"
            "<firm_act_kind>1</firm_act_kind><firm_act_kind_descr>ΚΥΡΙΑ</firm_act_kind_descr></item>"
        )
    )
    return reply(
        f"<call_seq_id>7</call_seq_id>{NO_ERROR}"
        f"<basic_rec><afm>{afm}</afm><deactivation_flag>{flag}</deactivation_flag><onomasia>ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ</onomasia>"
        '<commer_title xsi:nil="true"/><stop_date xsi:nil="true"/></basic_rec>'
        f"<firm_act_tab>{items}</firm_act_tab>"
    )


def error_reply(code: str, description: str = "περιγραφή") -> str:
    return reply(
        f"<call_seq_id>8</call_seq_id><error_rec><error_code>RG_WS_PUBLIC_{code}</error_code>"
        f'<error_descr>{description}</error_descr></error_rec><basic_rec xsi:nil="true"/>'
    )
