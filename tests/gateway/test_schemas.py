import json

import pytest

from gateway.contracts import contracts_dir
from gateway.schemas import EventSchemas
from tests.support.events import example

SCHEMAS = EventSchemas(contracts_dir() / "events")
TYPES = sorted(SCHEMAS.known_types)


def test_the_seven_types_and_their_origin() -> None:
    assert SCHEMAS.portal_types == {
        "request.submitted",
        "request.status_changed",
        "payment.completed",
        "payment.failed",
    }
    assert SCHEMAS.known_types - SCHEMAS.portal_types == {
        "request.registered",
        "business.checked",
        "payment.recorded",
    }


@pytest.mark.parametrize("event_type", TYPES)
def test_every_example_is_valid(event_type: str) -> None:
    path = contracts_dir() / "examples" / f"{event_type}.json"
    assert SCHEMAS.validate(json.loads(path.read_text())) == []


def _paths(event: dict) -> dict[str, str]:
    return {v.path: v.message for v in SCHEMAS.validate(event)}


def test_envelope_violations() -> None:
    event = example("request.submitted", specversion="0.3", id="bad id with spaces", extra={"x": 1})
    del event["source"]
    found = _paths(event)
    assert "$.specversion" in found
    assert "$.id" in found
    assert "$.extra" in found
    assert any("source" in m for m in found.values())


def test_unknown_type() -> None:
    assert _paths(example("request.submitted", type="request.exploded")) == {
        "$.type": "unknown event type 'request.exploded'"
    }


def test_data_violations_have_json_paths() -> None:
    event = example("request.submitted")
    event["data"]["citizen"]["afm"] = "123456781"
    event["data"]["citizen"]["email"] = "no-at-sign"
    event["data"]["request_type"] = "marriage"
    event["data"]["submitted_at"] = "2026-11-20T09:14:58"  # no offset
    found = _paths(event)
    assert found["$.data.citizen.afm"] == "the ΑΦΜ check digit does not match"
    assert "$.data.citizen.email" in found
    assert "$.data.request_type" in found
    assert "UTC offset" in found["$.data.submitted_at"]


def test_fee_exemption_needs_a_business_and_report_needs_a_category() -> None:
    event = example("request.submitted")
    del event["data"]["business"]
    assert "'business' is a required property" in _paths(event)["$.data"]
    report = example("request.submitted", data={"request_type": "everyday_report"})
    assert "'report' is a required property" in _paths(report)["$.data"]


@pytest.mark.parametrize("amount", ["12.5", "12", "-1.00", "1e3", "01.00", 12.5])
def test_amounts_are_decimal_strings_with_two_places(amount: object) -> None:
    assert "$.data.amount" in _paths(example("payment.completed", data={"amount": amount}))


def test_bad_rf_code() -> None:
    found = _paths(example("payment.completed", data={"rf_code": "RF19539007547034"}))
    assert found["$.data.rf_code"] == "the RF check digits do not match"
