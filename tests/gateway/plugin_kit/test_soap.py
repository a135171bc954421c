"""gateway/soap.py: the shared zeep client is offline, hardened and bound to the configured endpoint."""

from __future__ import annotations

import httpx
import pytest
from zeep.exceptions import DTDForbidden, EntitiesForbidden

from gateway.contracts import contracts_dir
from gateway.plugin_kit.soap import HARDENED, SoapService, last_status

NS = "urn:gateway:genesis:v1"


@pytest.fixture
async def soap():  # type: ignore[no-untyped-def]
    made = SoapService(contracts_dir() / "genesis" / "genesis.wsdl", "http://erp.test/soap", 5)
    yield made
    await made.aclose()


def test_hardened_settings() -> None:
    assert (
        HARDENED.strict
        and HARDENED.forbid_dtd
        and HARDENED.forbid_entities
        and HARDENED.forbid_external
    )


async def test_calls_go_to_the_configured_endpoint_and_keep_the_status(respx_mock, soap) -> None:  # type: ignore[no-untyped-def]
    body = f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><g:VersionInfoResponse xmlns:g="{NS}"><g:Version>7</g:Version></g:VersionInfoResponse></s:Body></s:Envelope>'
    route = respx_mock.post("http://erp.test/soap").mock(
        return_value=httpx.Response(200, text=body, headers={"Content-Type": "text/xml"})
    )
    soap.reset_status()
    assert last_status() is None
    assert await soap.service.VersionInfo() == "7"
    assert route.called and last_status() == 200


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', DTDForbidden),
        ('<!DOCTYPE x SYSTEM "http://evil.test/x.dtd"><x/>', DTDForbidden),
    ],
)
async def test_hostile_answers_are_refused(respx_mock, soap, text: str, error: type) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post("http://erp.test/soap").mock(
        return_value=httpx.Response(200, text=text, headers={"Content-Type": "text/xml"})
    )
    with pytest.raises((error, EntitiesForbidden)):
        await soap.service.VersionInfo()
