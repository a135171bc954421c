"""RgWsPublic2 answers to the gateway's shapes, through zeep and the real contract."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from zeep import Client, Settings

from gateway.contracts import contracts_dir
from gateway.schemas import EventSchemas
from plugins.taxis.mapping import registry_data, verdict
from plugins.taxis.rule import AffectedList
from tests.plugins.taxis.support import NO_ERROR, SERVICE, business_reply, reply

CLIENT = Client(
    str(contracts_dir() / "taxis" / "RgWsPublic2.wsdl"),
    settings=Settings(strict=True, forbid_dtd=True),
)
OPERATION = CLIENT.wsdl.bindings[f"{{{SERVICE}}}RgWsPublic2ServicePortBinding"].get(
    "rgWsPublic2AfmMethod"
)
RULE = AffectedList.build("sample", "1", ["56.30", "05.20"])


def parsed(text: str) -> Any:
    return OPERATION.output.deserialize(etree.fromstring(text.encode()))


def item(code: int, kind: int, descr: str = "Δ") -> str:
    return (
        f"<item><firm_act_code>{code}</firm_act_code><firm_act_descr>{descr}</firm_act_descr>"
        f"<firm_act_kind>{kind}</firm_act_kind><firm_act_kind_descr>x</firm_act_kind_descr></item>"
    )


def test_every_field_we_keep() -> None:
    data = registry_data(
        parsed(
            business_reply(
                items=item(5200000, 1, "ΑΠΟΘΗΚΕΥΣΗ")
                + item(56301000, 2)
                + item(1110000, 3)
                + item(93291101, 4)
            )
        )
    )
    assert data == {
        "afm": "090165560",
        "name": "ΚΑΦΕΝΕΙΟ Η ΠΛΑΤΕΙΑ ΙΚΕ",
        "commercial_title": None,
        "active": True,
        "stop_date": None,
        "firm_flag": None,
        "kad": [
            {"code": "05200000", "description": "ΑΠΟΘΗΚΕΥΣΗ", "kind": "main"},
            {"code": "56301000", "description": "Δ", "kind": "secondary"},
            {"code": "01110000", "description": "Δ", "kind": "other"},
            {"code": "93291101", "description": "Δ", "kind": "auxiliary"},
        ],
    }


def test_deactivated_and_no_activities() -> None:
    data = registry_data(parsed(business_reply(flag=2, items="")))
    assert data["active"] is False and data["kad"] == []
    nil_tab = business_reply().replace(
        business_reply().split("<firm_act_tab>")[1].split("</firm_act_tab>")[0], ""
    )
    assert registry_data(parsed(nil_tab))["kad"] == []


def test_answer_without_basic_rec_is_refused() -> None:
    with pytest.raises(ValueError, match="basic_rec"):
        registry_data(
            parsed(reply(f'<call_seq_id>1</call_seq_id>{NO_ERROR}<basic_rec xsi:nil="true"/>'))
        )


@pytest.mark.parametrize(
    ("items", "eligible"),
    [(item(5200000, 1), True), (item(56301000, 2), False), (item(62010000, 1), False)],
)
def test_verdict_shape_is_a_valid_business_checked(items: str, eligible: bool) -> None:
    result = verdict(registry_data(parsed(business_reply(items=items))), RULE)
    assert result["eligible"] is eligible and result["rule"] == "sample 1" and result["reasons"]
    envelope = {
        "specversion": "1.0",
        "id": "x",
        "source": "/gateway/plugins/taxis",
        "type": "business.checked",
        "data": result,
    }
    assert EventSchemas(contracts_dir() / "events").validate(envelope) == []
