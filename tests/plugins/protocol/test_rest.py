"""The rest driver alone, with respx: requests against our contract, every answer mapped."""

from __future__ import annotations

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from gateway.contracts import contracts_dir
from gateway.errors import (
    ConfigurationError,
    ConnectionFailed,
    PermanentError,
    ThrottledError,
    TransientError,
)
from plugins.protocol.mapping import Application
from plugins.protocol.rest import RestDriver
from plugins.protocol.settings import ProtocolSettings

URL = "https://protocol.test/api/v1"
SPEC = yaml.safe_load((contracts_dir() / "protocol" / "protocol.openapi.yaml").read_text())
REGISTRATION = Draft202012Validator(
    {"$ref": "urn:p#/components/schemas/Registration"},
    registry=Registry().with_resource(
        "urn:p",
        Resource.from_contents({**SPEC, "$schema": "https://json-schema.org/draft/2020-12/schema"}),
    ),
)
APP = Application(
    reference="evt-1:protocol",
    request_id="REQ-1",
    request_type="fee_exemption",
    subject="Απαλλαγή από τέλη",
    description="Σύμφωνα με την ΑΔΣ 43/2020.",
    department="Τμήμα Εσόδων",
    sender={"full_name": "Μαρία Παπαδοπούλου", "afm": "094259216", "email": "m@example.gr"},
    received_at="2026-11-20T09:14:58+02:00",
    attachments=[{"file_name": "άδεια.pdf", "media_type": "application/pdf", "size_bytes": 10}],
)


def answer(status: int = 201, **changes: object) -> httpx.Response:
    body = {
        "external_reference": "evt-1:protocol",
        "protocol_number": "28635",
        "protocol_date": "2026-11-20",
        "registry": "e-protocol",
        **changes,
    }
    return httpx.Response(status, json=body)


@pytest.fixture
async def driver():  # type: ignore[no-untyped-def]
    made = RestDriver(ProtocolSettings(driver="rest", url=URL, token="T0KEN", timeout=5))
    yield made
    await made.aclose()


async def test_request_fits_the_contract(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.post(f"{URL}/documents").mock(return_value=answer())
    registration = await driver.register(APP)
    assert (registration.protocol_number, registration.display) == ("28635", "28635/20-11-2026")
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer T0KEN"
    body = __import__("json").loads(request.content)
    assert list(REGISTRATION.iter_errors(body)) == []
    assert body["external_reference"] == "evt-1:protocol"
    assert body["sender"] == dict(APP.sender) and body["department"] == "Τμήμα Εσόδων"
    assert body["attachments"] == [{"file_name": "άδεια.pdf", "media_type": "application/pdf"}]


async def test_a_repeated_reference_answers_200_with_the_first(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{URL}/documents").mock(return_value=answer(200, protocol_number="100"))
    assert (await driver.register(APP)).protocol_number == "100"


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (answer(external_reference="evt-2:protocol"), "is for reference 'evt-2:protocol'"),
        (answer(protocol_number=""), "protocol_number is missing"),
        (answer(protocol_date="20/11/2026"), "Invalid isoformat"),
        (httpx.Response(201, text="<html>ok</html>"), "does not fit"),
        (httpx.Response(201, json=["x"]), "not a JSON object"),
    ],
)
async def test_answers_that_do_not_fit_are_transient(respx_mock, driver, reply, match) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{URL}/documents").mock(return_value=reply)
    with pytest.raises(TransientError, match=match):
        await driver.register(APP)


async def test_validation_error_keeps_the_registrys_words(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{URL}/documents").mock(
        return_value=httpx.Response(
            422, json={"error": "required fields are missing", "details": ["subject is required"]}
        )
    )
    with pytest.raises(PermanentError) as caught:
        await driver.register(APP)
    assert not isinstance(caught.value, ConfigurationError)
    assert "HTTP 422: required fields are missing — subject is required" in caught.value.message


async def test_refused_token_is_configuration_and_shows_in_health(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{URL}/documents").mock(
        return_value=httpx.Response(401, json={"error": "invalid or missing bearer token"})
    )
    respx_mock.get(f"{URL}/health").mock(
        return_value=httpx.Response(200, json={"status": "ok", "version": "7"})
    )
    with pytest.raises(ConfigurationError, match="invalid or missing bearer token"):
        await driver.register(APP)
    health = await driver.health()
    assert not health.ok and "401" in health.detail
    respx_mock.post(f"{URL}/documents").mock(return_value=answer())
    await driver.register(APP)
    assert (await driver.health()).ok


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (httpx.Response(503, text="maintenance"), TransientError),
        (httpx.Response(500), TransientError),
        (httpx.Response(429, headers={"Retry-After": "30"}), ThrottledError),
        (httpx.Response(409, json={"message": "conflict"}), PermanentError),
    ],
)
async def test_status_classes(respx_mock, driver, reply, error) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{URL}/documents").mock(return_value=reply)
    with pytest.raises(error):
        await driver.register(APP)


async def test_transport_failures(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.post(f"{URL}/documents")
    route.mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectionFailed):
        await driver.register(APP)
    route.mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TransientError, match="did not answer in time"):
        await driver.register(APP)


async def test_health(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    route = respx_mock.get(f"{URL}/health")
    route.mock(return_value=httpx.Response(200, json={"status": "ok", "version": "2.1"}))
    assert (await driver.health()).detail == "the e-protocol registry 2.1"
    route.mock(return_value=httpx.Response(503, text="down"))
    assert not (await driver.health()).ok
    route.mock(side_effect=httpx.ConnectError("refused"))
    assert "cannot reach" in (await driver.health()).detail
