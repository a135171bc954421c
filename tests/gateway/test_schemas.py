import json

import pytest

from gateway.contracts import contracts_dir
from gateway.schemas import EventSchemas
from tests.support.events import example

SCHEMAS = EventSchemas(contracts_dir() / "events")
TYPES = sorted(SCHEMAS.known_types)


def test_the_types_and_their_origin() -> None:
    assert SCHEMAS.portal_types == {
        "request.submitted",
        "request.status_changed",
        "payment.completed",
        "payment.failed",
        "request.followed",
        "request.unfollowed",
    }
    assert SCHEMAS.known_types - SCHEMAS.portal_types == {
        "application.ranked",
        "request.registered",
        "business.checked",
        "payment.recorded",
        "payment.reconciled",
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


MUTATIONS = [
    lambda e: e,
    lambda e: (
        e["data"].update(amount="1.5") if "amount" in e["data"] else e["data"].update(request_id="")
    ),
    lambda e: e.update(time="yesterday"),
    lambda e: e.update(time="2026-11-20T09:00:00"),
    lambda e: e.update(time="2026-11-20T09:00:00Z"),
    lambda e: e["data"].update(locale="fr"),
    lambda e: e["data"].update(extra=1),
    lambda e: e.update(id="has space"),
    lambda e: e.update(specversion="1.1"),
    lambda e: e.update(ext1="x"),
    lambda e: e.update(ext1={"nested": 1}),
    lambda e: e.update(data=[]),
    lambda e: e["data"].pop(next(iter(e["data"]))),
    lambda e: (
        e["data"].update(protocol_date="2026-13-01") if "protocol_date" in e["data"] else None
    ),
    lambda e: e["data"].update(rf_code="RF00" + "1" * 10) if "rf_code" in e["data"] else None,
    lambda e: (
        e["data"].update(citizen={"afm": "090165560", "full_name": "Α", "email": "x@y.gr"})
        if "citizen" in e["data"]
        else None
    ),
    lambda e: (
        e["data"].update(citizen={"afm": "090165561", "full_name": "Α", "email": "x@y.gr"})
        if "citizen" in e["data"]
        else None
    ),
    lambda e: (
        e["data"].update(kad=[{"code": "5630100", "description": "x", "kind": "main"}])
        if "kad" in e["data"]
        else None
    ),
]


@pytest.mark.parametrize("event_type", TYPES)
@pytest.mark.parametrize("mutation", range(len(MUTATIONS)))
def test_fast_and_thorough_engines_agree(event_type: str, mutation: int) -> None:
    event = json.loads((contracts_dir() / "examples" / f"{event_type}.json").read_text())
    MUTATIONS[mutation](event)
    assert SCHEMAS.fast_verdict(event) == (SCHEMAS.explain(event) == [])


@pytest.mark.parametrize(
    ("event_type", "data", "path", "words"),
    [
        ("request.followed", {"email": None}, "$.data", "'email' is a required property"),
        ("request.followed", {"email": "Nikos <n@example.gr>"}, "$.data.email", "bare e-mail"),
        ("request.followed", {"locale": "de"}, "$.data.locale", "is not one of"),
        ("request.unfollowed", {"email": None, "token": None}, "$.data", "needs email or token"),
        ("request.unfollowed", {"token": "no-dot-in-it-at-all"}, "$.data.token", "does not match"),
        ("request.submitted", {"notify": ["sms"]}, "$.data.notify[0]", "is not one of"),
        ("request.submitted", {"notify": ["email", "email"]}, "$.data.notify", "non-unique"),
        ("request.status_changed", {"notify": "email"}, "$.data.notify", "not of type 'array'"),
        ("request.submitted", {"details": ["x"]}, "$.data.details", "not of type 'object'"),
        ("application.ranked", {"position": 0}, "$.data.position", "less than the minimum"),
        ("application.ranked", {"points": 12.5}, "$.data.points", "not of type 'string'"),
    ],
)
def test_the_new_events_refuse_what_does_not_fit(
    event_type: str, data: dict[str, object], path: str, words: str
) -> None:
    event = example(event_type)
    for key, value in data.items():
        if value is None:
            event["data"].pop(key, None)
        else:
            event["data"][key] = value
    if event_type == "request.unfollowed" and data.get("email", 1) is None:
        event["data"].pop("token", None)
    found = SCHEMAS.validate(event)
    assert found, event
    assert any(v.path.startswith(path) and words in v.message for v in found), found
    assert SCHEMAS.fast_verdict(event) is False


def test_the_types_known_from_the_file_names_are_those_compiled() -> None:
    from gateway.schemas import event_types

    assert event_types(contracts_dir() / "events") == SCHEMAS.known_types
