"""Issue 17, part 1: request types are configuration. The catalogue is read and checked with key
paths, intake validates against it (an unknown type's 422 names the known ones), a type's
data_schema adds its required fields, and a seventh type goes all the way by config alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.config import ConfigError
from gateway.contracts import contracts_dir
from gateway.departments import DepartmentMap
from gateway.devtools.demo import demo_assembly, demo_config
from gateway.operators import Actor
from gateway.request_types import BUILT_IN
from gateway.schemas import EventSchemas
from tests.support.events import example
from tests.support.settings import OPERATOR_TOKEN, SECRET, build_settings

PERMIT = {
    "name_el": "Άδεια μικρής κλίμακας",
    "name_en": "Small-scale building permit",
    "department": "planning",
    "data_schema": "permit.schema.json",
}
PERMIT_FIELDS = {
    "required": ["details"],
    "properties": {
        "details": {
            "required": ["plot_id"],
            "properties": {"plot_id": {"type": "string", "pattern": "^[0-9]{12}$"}},
        }
    },
}
CATALOGUE = {
    **{name: entry.model_dump(exclude_none=True) for name, entry in BUILT_IN.items()},
    "building_permit": PERMIT,
}
PLANNING = {"planning": {"name": "Υπηρεσία Δόμησης"}}


def _settings(tmp_path: Path, request_types: Any = None, **more: Any) -> Any:
    (tmp_path / "permit.schema.json").write_text(json.dumps(PERMIT_FIELDS))
    return build_settings(
        "sqlite+aiosqlite:///:memory:",
        request_types=CATALOGUE if request_types is None else request_types,
        departments=more.pop("departments", PLANNING),
        config_dir=tmp_path,
        **more,
    )


def _problems(tmp_path: Path, **keys: Any) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, **keys)
    return {p.path: p.message for p in caught.value.problems}


# -- the catalogue in the config ------------------------------------------------------


def test_without_a_catalogue_the_six_of_the_procurement_hold(tmp_path: Path) -> None:
    settings = build_settings("sqlite+aiosqlite:///:memory:")
    assert list(settings.request_types) == list(BUILT_IN)
    assert settings.request_types["fee_exemption"].label("en").startswith("Exemption")


def test_a_configured_catalogue_is_the_one_in_use(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    permit = settings.request_types["building_permit"]
    assert permit.label("el") == "Άδεια μικρής κλίμακας" and permit.department == "planning"
    assert permit.fragment() == PERMIT_FIELDS  # read from the config file's folder


@pytest.mark.parametrize(
    ("entry", "path", "words"),
    [
        ({"name_el": "x"}, "request_types.building_permit.name_en", "required"),
        ({**PERMIT, "name_el": "a\nb"}, "request_types.building_permit.name_el", "one line"),
        ({**PERMIT, "department": "plannning"}, "request_types.building_permit.department",
         "did you mean 'planning'"),
        ({**PERMIT, "data_schema": "nowhere.json"}, "request_types.building_permit.data_schema",
         "is not a file"),
        ({**PERMIT, "colour": "red"}, "request_types.building_permit.colour", "unknown key"),
    ],
)  # fmt: skip
def test_a_wrong_entry_is_named_by_its_key(
    tmp_path: Path, entry: dict[str, Any], path: str, words: str
) -> None:
    found = _problems(tmp_path, request_types={**CATALOGUE, "building_permit": entry})
    assert path in found, found
    assert words in found[path] or words.lower() in found[path].lower(), found[path]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "is not JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"type": "stringg"}', "is not a JSON Schema"),
        ('{"$ref": "common.json#/$defs/afm"}', "$ref is not allowed"),
        ("{" + " " * 70000 + "}", "larger than"),
        (b"\xff\xfe{}", "is not JSON"),
    ],
)
def test_a_broken_data_schema_stops_the_config(
    tmp_path: Path, content: str | bytes, words: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    entry = {**PERMIT, "data_schema": str(bad)}
    found = _problems(tmp_path, request_types={**CATALOGUE, "building_permit": entry})
    assert words in found["request_types.building_permit.data_schema"]


@pytest.mark.parametrize("name", ["Building", "9permit", "permit-x", "ά"])
def test_a_type_name_is_lower_case_letters_digits_and_underscores(
    tmp_path: Path, name: str
) -> None:
    found = _problems(tmp_path, request_types={name: PERMIT})
    assert found == {f"request_types.{name}": "a type's name is lower-case letters, digits and _"}


@pytest.mark.parametrize("raw", [[], "fee_exemption", {}])
def test_the_catalogue_must_be_tables(tmp_path: Path, raw: Any) -> None:
    assert "request_types" in _problems(tmp_path, request_types=raw)


def test_every_place_naming_a_request_type_names_one_in_the_catalogue(tmp_path: Path) -> None:
    found = _problems(
        tmp_path,
        departments={**PLANNING, "revenue": {"name": "Έσοδα", "request_types": ["fee_exemptio"]}},
        routes=[
            {"type": "request.submitted", "match": {"request_type": "permit"}, "plugins": ["x"]}
        ],
    )
    assert "did you mean 'fee_exemption'" in found["departments.revenue.request_types[0]"]
    assert "no request type 'permit'" in found["routes[0].match.request_type"]


def test_the_protocol_departments_take_the_catalogues_types(tmp_path: Path) -> None:
    protocol = {
        "driver": "rest",
        "url": "http://127.0.0.1:9/api/v1",
        "token": "t",
        "departments": {"building_permit": "Υπηρεσία Δόμησης"},
    }
    settings = _settings(tmp_path, plugins={"protocol": protocol})
    assert settings.plugins["protocol"].departments["building_permit"] == "Υπηρεσία Δόμησης"
    without = {k: v for k, v in CATALOGUE.items() if k != "building_permit"}
    found = _problems(tmp_path, request_types=without, plugins={"protocol": protocol})
    assert "unknown request type(s): building_permit" in found["plugins.protocol.departments"]


# -- intake against the catalogue ---------------------------------------------------------


def _schemas(tmp_path: Path, catalogue: dict[str, Any] | None = None) -> EventSchemas:
    settings = _settings(tmp_path, request_types=catalogue)
    return EventSchemas(
        contracts_dir() / "events",
        {name: entry.fragment() for name, entry in settings.request_types.items()},
    )


def _permit(**data: Any) -> dict[str, Any]:
    event = example("request.submitted", data={"request_type": "building_permit", **data})
    event["data"].pop("business", None)
    return event


def test_a_configured_type_is_taken_with_its_fields(tmp_path: Path) -> None:
    schemas = _schemas(tmp_path)
    assert schemas.validate(_permit(details={"plot_id": "123456789012"})) == []
    assert schemas.fast_verdict(_permit(details={"plot_id": "123456789012"})) is True


def test_a_types_data_schema_names_the_missing_field(tmp_path: Path) -> None:
    schemas = _schemas(tmp_path)
    (missing,) = schemas.validate(_permit())
    assert missing.path == "$.data" and "'details' is a required property" in missing.message
    (wrong,) = schemas.validate(_permit(details={"plot_id": "12"}))
    assert wrong.path == "$.data.details.plot_id"
    assert schemas.fast_verdict(_permit(details={"plot_id": "12"})) is False
    # another type does not need the permit's fields
    other = example("request.submitted", data={"request_type": "document_order"})
    assert schemas.validate(other) == []


def test_a_type_outside_the_catalogue_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    only_two = {k: CATALOGUE[k] for k in ("fee_exemption", "building_permit")}
    schemas = _schemas(tmp_path, only_two)
    event = example("request.submitted", data={"request_type": "document_order"})
    (problem,) = schemas.validate(event)
    assert problem.path == "$.data.request_type"
    assert problem.message == (
        "unknown request type 'document_order'; the catalogue has: fee_exemption, building_permit"
    )
    assert schemas.fast_verdict(event) is False


# -- departments ------------------------------------------------------------------------


def test_a_types_department_in_the_catalogue_scopes_its_staff(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    departments = DepartmentMap(settings.departments, settings.request_types)
    planner = Actor("pia", "operator", frozenset({"planning"}))
    assert departments.of("request.submitted", {"request_type": "building_permit"}) == {"planning"}
    assert departments.sees(planner, "request.submitted", {"request_type": "building_permit"})
    assert not departments.sees(planner, "request.submitted", {"request_type": "fee_exemption"})


# -- a seventh type, by config alone, all the way ---------------------------------------------


@pytest.fixture
async def seventh(start_gateway, database_url, tmp_path: Path):  # type: ignore[no-untyped-def]
    raw, env = demo_config(tmp_path)
    raw["gateway"]["database_url"] = database_url
    (tmp_path / "permit.schema.json").write_text(json.dumps(PERMIT_FIELDS))
    raw["request_types"]["building_permit"] = {
        **PERMIT,
        "data_schema": str(tmp_path / "permit.schema.json"),
    }
    raw["departments"]["planning"] = {"name": "Υπηρεσία Δόμησης"}
    raw["plugins"]["protocol"]["departments"]["building_permit"] = "Υπηρεσία Δόμησης"
    raw["plugins"]["email"]["departments"]["planning"] = ["domisi@serres.gr"]
    env.update(GATEWAY_PORTAL_SECRET=SECRET, GATEWAY_OPERATOR_TOKEN=OPERATOR_TOKEN)
    parts = demo_assembly(raw, env)
    mocks = {name: parts.host.mock(context) for name, context in parts.contexts().items()}
    for mock in mocks.values():
        await mock.start()
    try:
        portal, _app = await start_gateway(parts)
        yield portal, mocks
    finally:
        for mock in mocks.values():
            await mock.stop()


async def test_a_seventh_type_added_by_config_gets_its_number_and_its_emails(seventh) -> None:  # type: ignore[no-untyped-def]
    portal, mocks = seventh
    refused = await portal.post_event(_permit(details={"plot_id": "nope"}))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["path"] == "$.data.details.plot_id"
    unknown = await portal.post_event(example("request.submitted", data={"request_type": "kiosk"}))
    assert unknown.status_code == 422 and "building_permit" in unknown.text

    event = _permit(details={"plot_id": "123456789012"}, locale="en")
    assert (await portal.post_event(event)).status_code == 202
    view = await portal.wait_settled(event["id"], within=60)
    assert view["status"] == "delivered", view
    (protocol,) = [d for d in view["deliveries"] if d["plugin"] == "protocol"]
    number = protocol["result"]["protocol_number"]
    registered = await portal.wait_settled(protocol["emitted"][0], within=60)
    assert registered["status"] == "delivered", registered
    completed = example(
        "request.status_changed",
        data={"request_type": "building_permit", "status": "completed", "locale": "en"},
    )
    completed["data"].pop("department", None)  # the catalogue's department decides
    assert (await portal.post_event(completed)).status_code == 202
    assert (await portal.wait_settled(completed["id"], within=60))["status"] == "delivered"

    (document,) = mocks["protocol"].state()["documents"]
    assert "Υπηρεσία Δόμησης" in json.dumps(document, ensure_ascii=False)
    by_subject = {m["subject"]: m for m in mocks["email"].messages}
    (mail,) = [m for s, m in by_subject.items() if number in s]
    assert "Small-scale building permit" in mail["text"]  # the catalogue's English name
    assert any(m["envelope_to"] == ["domisi@serres.gr"] for m in mocks["email"].messages)


CATALOGUE_MISTAKES = """\
[auth]
portal_secrets = ["{secret}"]

[departments.planning]
name = "Υπηρεσία Δόμησης"

[request_types.building_permit]
name_el = "Άδεια μικρής κλίμακας"
name_en = "Small-scale building permit"
department = "planing"
data_schema = "missing.schema.json"

[request_types.Kiosk]
name_el = "Περίπτερο"
name_en = "Kiosk"

[[routes]]
type = "request.submitted"
match = {{ request_type = "bulding_permit" }}
plugins = ["webhook"]

[plugins.webhook]
url = "http://127.0.0.1:9001/events"
"""


def test_check_config_names_every_catalogue_mistake_with_its_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from gateway.cli import main

    config = tmp_path / "gateway.toml"
    config.write_text(CATALOGUE_MISTAKES.format(secret=SECRET), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 2, result.output
    out = result.output
    assert "request_types.building_permit.department, line 10: no [departments.planing]" in out
    assert "(did you mean 'planning'?)" in out
    assert (
        "request_types.building_permit.data_schema, line 11: " in out
        and "missing.schema.json is not a file" in out
    )
    assert "request_types.Kiosk, line 13: a type's name is lower-case" in out
    assert (
        "no request type 'bulding_permit' in the catalogue (did you mean 'building_permit'?)" in out
    )
