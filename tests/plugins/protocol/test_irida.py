"""The ΙΡΙΔΑ driver alone, with respx: token life, x-profile, multipart send, the send record, errors."""

from __future__ import annotations

import io
import zipfile
from email.parser import BytesParser
from email.policy import HTTP

import httpx
import pytest

from gateway.errors import (
    ConfigurationError,
    ConnectionFailed,
    OutcomeUnknownError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from gateway.store import open_store
from gateway.store.send_records import SendRecordTable
from plugins.protocol.irida import IridaDriver
from plugins.protocol.mapping import Application
from plugins.protocol.settings import DEFAULT_DEPARTMENTS, ProtocolSettings

URL = "https://irida.test"
API = f"{URL}/iris/api/v2"
SEND = f"{API}/external"
PROFILES = [
    {"positionName": "ΔΙΕΥΘΥΝΣΗ", "dutyName": "Προϊστάμενος", "xProfile": "P-1"},
    {"positionName": "ΓΡΑΦΕΙΟ ΠΡΩΤΟΚΟΛΛΟΥ", "dutyName": "Χειριστής", "xProfile": "P-2"},
]
ROOTS = [{"id": 11, "description": "Ληξιαρχείο"}, {"id": 12, "description": "Τμήμα Εσόδων"}]
APP = Application(
    reference="evt-1:protocol",
    request_id="REQ-1",
    request_type="civil_registry_certificate",
    subject="Πιστοποιητικό γέννησης",
    description="Για την υπηρεσία.",
    department="Ληξιαρχείο",
    sender={"full_name": "Μαρία Παπαδοπούλου", "afm": "094259216", "email": "m@example.gr"},
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings(**changes: object) -> ProtocolSettings:
    keys = {
        "driver": "irida",
        "url": URL,
        "username": "gw",
        "password": "secret",
        "position_name": "Γραφείο Πρωτοκόλλου",
        "timeout": 5,
    }
    return ProtocolSettings(**{**keys, **changes})


@pytest.fixture
async def cache(sqlite_url):  # type: ignore[no-untyped-def]
    store = await open_store(sqlite_url)
    yield SendRecordTable(store, "protocol")
    await store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def driver(cache, clock):  # type: ignore[no-untyped-def]
    made = IridaDriver(settings(), cache, clock)
    yield made
    await made.aclose()


def token(respx_mock, *values: str, expires_in: int = 28800):  # type: ignore[no-untyped-def]
    return respx_mock.post(f"{API}/common/token").mock(
        side_effect=[
            httpx.Response(200, json={"access_token": v, "expires_in": expires_in}) for v in values
        ]
    )


def directory(respx_mock) -> None:  # type: ignore[no-untyped-def]
    respx_mock.get(f"{API}/external/profiles").mock(return_value=httpx.Response(200, json=PROFILES))
    respx_mock.get(f"{API}/external/roots").mock(return_value=httpx.Response(200, json=ROOTS))


def registered(reg_no: str = "28635/22-11-2026", root: int = 11) -> httpx.Response:
    return httpx.Response(
        200, json={"data": [{"rootId": root, "rootName": "Ληξιαρχείο", "regNo": reg_no}]}
    )


def parts(request: httpx.Request) -> list[tuple[str, str | None, bytes]]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.content
    )
    return [
        (
            p.get_param("name", header="content-disposition"),
            p.get_filename(),
            p.get_payload(decode=True),
        )
        for p in message.iter_parts()
    ]


async def test_send_follows_the_api(respx_mock, driver, cache) -> None:  # type: ignore[no-untyped-def]
    login = token(respx_mock, "T1")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=registered())
    registration = await driver.register(APP)
    assert (registration.protocol_number, registration.protocol_date.isoformat()) == (
        "28635",
        "2026-11-22",
    )
    assert registration.registry == "irida" and registration.display == "28635/22-11-2026"
    assert login.calls.last.request.content == b"username=gw&password=secret"
    request = send.calls.last.request
    assert request.headers["Authorization"] == "Bearer T1"
    assert request.headers["x-profile"] == "P-2"  # chosen by position, case-insensitively
    fields = parts(request)
    texts = {name: payload.decode() for name, filename, payload in fields if filename is None}
    assert texts == {
        "Subject": "Πιστοποιητικό γέννησης — αίτηση REQ-1 [ref:evt-1:protocol]",
        "RegistrationNumber": "ΑΝΕΥ",
        "Sender": "Μαρία Παπαδοπούλου (ΑΦΜ 094259216)",
        "Recipients": "11",
    }
    ((name, filename, payload),) = [f for f in fields if f[1] is not None]
    assert (name, filename) == ("Files", "aitisi-REQ-1.docx")
    document = zipfile.ZipFile(io.BytesIO(payload)).read("word/document.xml").decode()
    assert "Μαρία Παπαδοπούλου" in document and "evt-1:protocol" in document
    assert (await cache.get(APP.reference))["state"] == "done"


async def test_token_is_reused_then_renewed_before_it_expires(respx_mock, driver, clock) -> None:  # type: ignore[no-untyped-def]
    login = token(respx_mock, "T1", "T2")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=registered())
    await driver.register(APP)
    await driver.register(Application(**{**APP.__dict__, "reference": "evt-2:protocol"}))
    assert login.call_count == 1
    clock.now += 8 * 3600 - 300  # inside the renewal margin (10 minutes)
    await driver.register(Application(**{**APP.__dict__, "reference": "evt-3:protocol"}))
    assert login.call_count == 2 and send.calls.last.request.headers["Authorization"] == "Bearer T2"


async def test_a_401_renews_the_token_once(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    login = token(respx_mock, "OLD", "NEW")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(
        side_effect=[httpx.Response(401, json={"message": "expired"}), registered()]
    )
    assert (await driver.register(APP)).protocol_number == "28635"
    assert login.call_count == 2
    assert [c.request.headers["Authorization"] for c in send.calls] == [
        "Bearer OLD",
        "Bearer NEW",
    ]


async def test_a_second_401_is_a_configuration_error_and_nothing_is_in_doubt(
    respx_mock, cache
) -> None:  # type: ignore[no-untyped-def]
    one_department = dict.fromkeys(DEFAULT_DEPARTMENTS, "Ληξιαρχείο")
    driver = IridaDriver(settings(departments=one_department), cache)
    token(respx_mock, "A", "B")
    directory(respx_mock)
    respx_mock.post(SEND).mock(return_value=httpx.Response(401, json={"message": "no rights"}))
    with pytest.raises(ConfigurationError, match="401 to a fresh token: no rights"):
        await driver.register(APP)
    assert await cache.get(APP.reference) is None
    # /readyz says so, though the token and the directory still answer, until a send succeeds
    health = await driver.health()
    assert not health.ok and "the last send was refused" in health.detail
    respx_mock.post(SEND).mock(return_value=registered())
    await driver.register(APP)
    assert (await driver.health()).ok and driver.refused is None
    await driver.aclose()


async def test_bad_credentials_answer_200_with_text(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{API}/common/token").mock(
        return_value=httpx.Response(200, text="invalid_username_or_password")
    )
    with pytest.raises(ConfigurationError, match="refused the username or password"):
        await driver.register(APP)
    health = await driver.health()
    assert not health.ok and "invalid_username_or_password" in health.detail


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"token_type": "bearer"}),
        httpx.Response(200, json=[]),
        httpx.Response(200, text=""),
    ],
)
async def test_a_token_answer_without_a_token_is_transient(respx_mock, driver, answer) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{API}/common/token").mock(return_value=answer)
    with pytest.raises(TransientError, match="holds no token"):
        await driver.register(APP)


async def test_a_plain_text_token_is_taken(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    respx_mock.post(f"{API}/common/token").mock(return_value=httpx.Response(200, text="RAW"))
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=registered())
    await driver.register(APP)
    assert send.calls.last.request.headers["Authorization"] == "Bearer RAW"


async def test_validation_error_is_permanent_with_irida_words_and_forgotten(
    respx_mock, driver, cache
) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    respx_mock.post(SEND).mock(
        return_value=httpx.Response(
            400, json={"message": "Validation failed", "errors": ["Subject is required"]}
        )
    )
    with pytest.raises(PermanentError, match="HTTP 400: Validation failed — Subject is required"):
        await driver.register(APP)
    assert await cache.get(APP.reference) is None


async def test_a_lost_answer_is_found_in_the_inbox_and_not_sent_again(
    respx_mock, driver, cache
) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=httpx.Response(503, text="busy"))
    with pytest.raises(TransientError, match="HTTP 503: busy"):
        await driver.register(APP)
    assert (await cache.get(APP.reference))["state"] == "sending"
    respx_mock.get(f"{API}/external/inbox/false").mock(
        return_value=httpx.Response(
            200,
            json=[
                {"id": 1, "subject": "άλλο [ref:evt-9:protocol]", "regNo": "1/01-01-2026"},
                {"id": 2, "subject": "x [ref:evt-1:protocol]", "regNo": "28640/21-11-2026"},
            ],
        )
    )
    registration = await driver.register(APP)
    assert (registration.protocol_number, str(registration.protocol_date)) == (
        "28640",
        "2026-11-21",
    )
    assert send.call_count == 1
    assert (await cache.get(APP.reference))["state"] == "done"
    # later attempts (a replay) answer from the record, without asking ΙΡΙΔΑ
    inbox_calls = len(respx_mock.calls)
    assert (await driver.register(APP)).protocol_number == "28640"
    assert len(respx_mock.calls) == inbox_calls


async def test_a_lost_answer_not_in_the_inbox_is_sent_again(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(
        side_effect=[httpx.ReadTimeout("slow"), registered("28641/22-11-2026")]
    )
    with pytest.raises(TransientError, match="did not answer in time"):
        await driver.register(APP)
    for flag in ("false", "true"):
        respx_mock.get(f"{API}/external/inbox/{flag}").mock(
            return_value=httpx.Response(200, json={"data": []})
        )
    assert (await driver.register(APP)).protocol_number == "28641"
    assert send.call_count == 2


async def test_without_the_inbox_check_a_lost_answer_is_outcome_unknown(
    respx_mock, cache, clock
) -> None:  # type: ignore[no-untyped-def]
    driver = IridaDriver(settings(verify_by_inbox=False), cache, clock)
    token(respx_mock, "T")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=registered("garbage answer /"))
    with pytest.raises(TransientError, match="unreadable"):
        await driver.register(APP)
    with pytest.raises(OutcomeUnknownError, match="verify_by_inbox is off"):
        await driver.register(APP)
    assert send.call_count == 1
    await driver.forget(APP.reference)  # an operator released it
    send.mock(return_value=registered())
    assert (await driver.register(APP)).protocol_number == "28635"
    await driver.aclose()


async def test_an_unreadable_inbox_is_outcome_unknown(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=httpx.Response(502))
    with pytest.raises(TransientError):
        await driver.register(APP)
    respx_mock.get(f"{API}/external/inbox/false").mock(
        return_value=httpx.Response(403, json={"message": "no inbox rights"})
    )
    with pytest.raises(OutcomeUnknownError, match=r"cannot be read to check.*no inbox rights"):
        await driver.register(APP)
    assert send.call_count == 1


async def test_unreachable_means_not_sent(respx_mock, driver, cache) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    respx_mock.post(SEND).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ConnectionFailed):
        await driver.register(APP)
    assert await cache.get(APP.reference) is None


async def test_throttled_waits_for_irida(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    respx_mock.post(SEND).mock(return_value=httpx.Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(ThrottledError) as caught:
        await driver.register(APP)
    assert caught.value.retry_after == 120


async def test_unknown_department_and_profile_are_configuration_errors(respx_mock, cache) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T", "U")
    directory(respx_mock)
    driver = IridaDriver(settings(), cache)
    with pytest.raises(ConfigurationError, match=r"no recipient named .Αρχείο.*Τμήμα Εσόδων"):
        await driver.register(Application(**{**APP.__dict__, "department": "Αρχείο"}))
    other = IridaDriver(settings(position_name="ΔΗΜΑΡΧΟΣ"), cache)
    with pytest.raises(ConfigurationError, match="no profile at position 'ΔΗΜΑΡΧΟΣ'"):
        await other.register(APP)
    await driver.aclose()
    await other.aclose()


@pytest.mark.parametrize(
    "roots",
    [httpx.Response(200, json={"not": "a list"}), httpx.Response(200, text="<html>")],
)
async def test_malformed_directory_answers_are_transient(respx_mock, driver, roots) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    respx_mock.get(f"{API}/external/profiles").mock(return_value=httpx.Response(200, json=PROFILES))
    respx_mock.get(f"{API}/external/roots").mock(return_value=roots)
    with pytest.raises(TransientError):
        await driver.register(APP)


async def test_health_checks_credentials_profile_and_every_department(respx_mock, cache) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    driver = IridaDriver(settings(departments={"fee_exemption": "Τμήμα Εσόδων"}), cache)
    health = await driver.health()
    assert not health.ok and "no recipient named" in health.detail  # the defaults name more
    respx_mock.get(f"{API}/external/roots").mock(
        return_value=httpx.Response(
            200,
            json=[
                {"id": i, "description": d}
                for i, d in enumerate(
                    [
                        "Τμήμα Εσόδων",
                        "Τμήμα Ταμείου",
                        "Ληξιαρχείο",
                        "Τμήμα Προσωπικού",
                        "Τμήμα Καθαριότητας",
                    ]
                )
            ],
        )
    )
    health = await driver.health()
    assert health.ok and health.detail == "ΙΡΙΔΑ as profile P-2"
    await driver.aclose()


async def test_concurrent_sends_refused_with_one_token_renew_it_once(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    login = token(respx_mock, "OLD", "NEW", "SPARE")
    directory(respx_mock)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer OLD":
            return httpx.Response(401, json={"message": "expired"})
        return registered()

    respx_mock.post(SEND).mock(side_effect=answer)
    await driver._bearer()  # both sends start with the same token
    apps = [Application(**{**APP.__dict__, "reference": f"evt-{i}:protocol"}) for i in range(4)]
    await asyncio.gather(*(driver.register(app) for app in apps))
    assert login.call_count == 2
