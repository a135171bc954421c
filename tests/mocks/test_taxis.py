"""The RgWsPublic2 mock as a real server: the contract, the token, wrong requests, injected faults."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from mocks.taxis import CAFE, ERROR_AFMS, FakeRgWsPublic2
from tests.plugins.taxis.support import SERVICE, SOAP12, TYPES, WSSE

SOAP = {"Content-Type": "application/soap+xml; charset=utf-8"}


def envelope(
    record: str,
    user: str | None = "GATEWAY_TEST",
    password: str = "test-password",
    operation: str = "rgWsPublic2AfmMethod",
) -> bytes:
    header = (
        f'<env:Header><wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username>'
        f"<wsse:Password>{password}</wsse:Password></wsse:UsernameToken></wsse:Security></env:Header>"
        if user
        else ""
    )
    return (
        f'<env:Envelope xmlns:env="{SOAP12}" xmlns:s="{SERVICE}" xmlns:t="{TYPES}">{header}<env:Body>'
        f"<s:{operation}>{record}</s:{operation}></env:Body></env:Envelope>"
    ).encode()


def afm_record(afm: str) -> str:
    return f"<s:INPUT_REC><t:afm_called_for>{afm}</t:afm_called_for></s:INPUT_REC>"


@pytest.fixture
async def mock():  # type: ignore[no-untyped-def]
    registry = FakeRgWsPublic2()
    await registry.start()
    async with httpx.AsyncClient() as client:
        yield registry, client
    await registry.stop()


def error_code(answer: httpx.Response) -> str | None:
    return etree.fromstring(answer.content).findtext(f".//{{{TYPES}}}error_code")


async def test_serves_its_wsdl_at_its_own_address(mock) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    answer = await client.get(registry.endpoint + "?WSDL")
    assert (
        answer.status_code == 200
        and registry.endpoint in answer.text
        and "gsis.gr" not in answer.text.split("-->", 1)[1]
    )


async def test_answers_like_the_real_service(mock) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    answer = await client.post(
        registry.endpoint, content=envelope(afm_record(CAFE.afm)), headers=SOAP
    )
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(
        "application/soap+xml"
    )
    assert (
        'xmlns="http://rgwspublic2/RgWsPublic2"' in answer.text and "<srvc:result>" in answer.text
    )
    assert (
        '<error_code xsi:nil="true"/>' in answer.text
        and "<commer_title>Η ΠΛΑΤΕΙΑ</commer_title>" in answer.text
    )
    assert "<firm_act_code>56301000</firm_act_code>" in answer.text
    assert registry.state()["calls_by_afm"] == {CAFE.afm: 1}


@pytest.mark.parametrize(
    ("user", "password", "code"),
    [
        ("GATEWAY_TEST", "wrong", "RG_WS_PUBLIC_TOKEN_USERNAME_NOT_AUTHENTICATED"),
        (None, "", "RG_WS_PUBLIC_TOKEN_USERNAME_NOT_DEFINED"),
    ],
)
async def test_checks_the_username_token(mock, user, password, code) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    answer = await client.post(
        registry.endpoint, content=envelope(afm_record(CAFE.afm), user, password), headers=SOAP
    )
    assert error_code(answer) == code


async def test_one_afm_per_error_code(mock) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    assert len(set(ERROR_AFMS.values())) == 19
    for afm, code in ERROR_AFMS.items():
        answer = await client.post(
            registry.endpoint, content=envelope(afm_record(afm)), headers=SOAP
        )
        assert answer.status_code == 200 and error_code(answer) == f"RG_WS_PUBLIC_{code}"
    # the live service's shape: every child of both records nil, no firm_act_tab at all
    text = answer.text
    assert "firm_act_tab" not in text
    assert '<afm xsi:nil="true"/>' in text and '<deactivation_flag xsi:nil="true"/>' in text
    assert '<token_username xsi:nil="true"/>' in text


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (envelope(afm_record(CAFE.afm)), {"Content-Type": "text/xml"}, 415),
        (b"<not xml", SOAP, 400),
        (b"<x/>", SOAP, 400),
        (envelope("", operation="somethingElse"), SOAP, 400),
        (envelope("<s:other/>"), SOAP, 400),
        (
            envelope(
                f"<s:INPUT_REC><t:as_on_date></t:as_on_date><t:afm_called_for>{CAFE.afm}</t:afm_called_for></s:INPUT_REC>"
            ),
            SOAP,
            500,
        ),
        (
            envelope(f"<s:INPUT_REC><s:afm_called_for>{CAFE.afm}</s:afm_called_for></s:INPUT_REC>"),
            SOAP,
            500,
        ),
    ],
)
async def test_wrong_requests_get_soap_faults(
    mock, body: bytes, headers: dict, status: int
) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    answer = await client.post(registry.endpoint, content=body, headers=headers)
    assert answer.status_code == status
    assert etree.fromstring(answer.content).find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault") is not None


async def test_injected_faults_are_soap_faults(mock) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    registry.set_faults(fail_next=1)
    answer = await client.post(
        registry.endpoint, content=envelope(afm_record(CAFE.afm)), headers=SOAP
    )
    assert answer.status_code == 500 and "injected fault" in answer.text and "Fault" in answer.text


async def test_version_info(mock) -> None:  # type: ignore[no-untyped-def]
    registry, client = mock
    answer = await client.post(
        registry.endpoint, content=envelope("", operation="rgWsPublic2VersionInfo"), headers=SOAP
    )
    assert "Release: 4.0.0, 01/07/2018" in answer.text
