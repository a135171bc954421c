"""The ΙΡΙΔΑ driver alone, with respx: token life, x-profile, inner positions, the v2.2 answer, at most once."""

from __future__ import annotations

import io
import re
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
from gateway.plugin_api import Health
from gateway.store import open_store
from gateway.store.send_records import SendRecordTable
from plugins.protocol.irida import IridaDriver
from plugins.protocol.mapping import Application, today_in_athens
from plugins.protocol.settings import DEFAULT_DEPARTMENTS, ProtocolSettings

URL = "https://irida.test"
API = f"{URL}/iris/api/v2"
SEND = f"{API}/external/innerPositions"
SEND_TO_ROOT = f"{API}/external"
PROFILES = [
    {"positionName": "ΔΙΕΥΘΥΝΣΗ", "dutyName": "Προϊστάμενος", "xProfile": "P-1"},
    {"positionName": "ΓΡΑΦΕΙΟ ΠΡΩΤΟΚΟΛΛΟΥ", "dutyName": "Χειριστής", "xProfile": "P-2"},
]
ROOTS = [{"id": 11, "description": "Δήμος Σερρών"}, {"id": 12, "description": "Δήμος Δράμας"}]
POSITIONS = [
    {"positionId": 31, "positionName": "Ληξιαρχείο", "dutyId": 2, "dutyName": "Ληξίαρχος"},
    {"positionId": 32, "positionName": "Τμήμα Εσόδων", "dutyId": 1, "dutyName": "Προϊστάμενος"},
    {"positionId": 33, "positionName": "Τμήμα Ταμείου", "dutyId": 1, "dutyName": "Προϊστάμενος"},
    {"positionId": 34, "positionName": "Τμήμα Προσωπικού", "dutyId": 1, "dutyName": "Προϊστάμενος"},
    {
        "positionId": 35,
        "positionName": "Τμήμα Καθαριότητας",
        "dutyId": 1,
        "dutyName": "Προϊστάμενος",
    },
    {"positionId": 36, "positionName": "Γραφείο Πρωτοκόλλου", "dutyId": 3, "dutyName": "Χειριστής"},
    {
        "positionId": 36,
        "positionName": "Γραφείο Πρωτοκόλλου",
        "dutyId": 1,
        "dutyName": "Προϊστάμενος",
    },
]
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


def directory(respx_mock):  # type: ignore[no-untyped-def]
    respx_mock.get(f"{API}/external/profiles").mock(return_value=httpx.Response(200, json=PROFILES))
    respx_mock.get(f"{API}/external/roots").mock(return_value=httpx.Response(200, json=ROOTS))
    return respx_mock.get(f"{API}/external/positions").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": POSITIONS,
                "pagination": {
                    "pageNumber": 1,
                    "pageSize": 100,
                    "totalRecords": 7,
                    "totalPages": 1,
                },
            },
        )
    )


def registered(reg_no: str = "28635", position: int = 31, duty: int = 2) -> httpx.Response:
    """The v2.2 answer: a bare list, one item per recipient, regNo the number alone."""
    return httpx.Response(
        200,
        json=[
            {
                "positionId": position,
                "dutyId": duty,
                "positionName": "Ληξιαρχείο",
                "dutyName": "Ληξίαρχος",
                "regNo": reg_no,
            }
        ],
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
    today = today_in_athens()
    assert (registration.protocol_number, registration.protocol_date) == ("28635", today)
    assert registration.registry == "irida" and registration.display == f"28635/{today:%d-%m-%Y}"
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
        "Recipients": "31-2",  # the inner position "positionId-dutyId", not a root
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
    # /v1/health says so, though the token and the directory still answer, until a send succeeds
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


@pytest.mark.parametrize(
    ("lost", "why"),
    [
        (httpx.ReadTimeout("slow"), "did not answer in time"),
        (httpx.RemoteProtocolError("closed"), ""),
        (httpx.Response(503, text="busy"), "HTTP 503: busy"),
        (httpx.Response(500, json={"message": "NullReference"}), "HTTP 500: NullReference"),
        (httpx.Response(200, json={"unexpected": True}), "unreadable"),
        (
            httpx.Response(200, json=[{"positionId": 31, "dutyId": 2, "regNo": "ΑΝΕΥ"}]),
            "unreadable",
        ),
    ],
)
async def test_a_lost_answer_is_outcome_unknown_with_a_clerks_hint_and_never_resent(
    respx_mock, driver, cache, lost, why
) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    outcome = {"side_effect": lost} if isinstance(lost, Exception) else {"return_value": lost}
    send = respx_mock.post(SEND).mock(**outcome)
    with pytest.raises(OutcomeUnknownError) as caught:
        await driver.register(APP)
    hint = caught.value.message
    assert why in hint
    assert "Subject ends with [ref:evt-1:protocol]" in hint and "to Ληξιαρχείο" in hint
    assert re.search(r"sent \d\d-\d\d-\d{4} \d\d:\d\d:\d\d – \d\d:\d\d:\d\d \(Athens\)", hint)
    assert (await cache.get(APP.reference))["state"] == "sending"
    # every later attempt (a retry, a replay, another process) stops too, and sends nothing
    with pytest.raises(
        OutcomeUnknownError,
        match=r"an earlier attempt's send got no answer.*\[ref:evt-1:protocol\]",
    ):
        await driver.register(APP)
    assert send.call_count == 1
    assert not any("/inbox/" in str(call.request.url) for call in respx_mock.calls)  # no guessing


async def test_a_released_delivery_is_sent_once_more(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(side_effect=[httpx.ReadTimeout("slow"), registered("28641")])
    with pytest.raises(OutcomeUnknownError):
        await driver.register(APP)
    await driver.forget(APP.reference)  # an operator found nothing in ΙΡΙΔΑ and released it
    assert (await driver.register(APP)).protocol_number == "28641"
    assert send.call_count == 2


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"positionId": 31, "dutyId": 2, "regNo": "28635"}]},
        [{"PositionId": 31, "DutyId": 2, "PositionName": "Ληξιαρχείο", "RegNo": "28635"}],
        {"Data": [{"POSITIONID": "31", "DUTYID": "2", "REGNO": 28635}]},
        [
            {"positionId": 30, "dutyId": 1, "regNo": "1"},
            {"positionId": 31, "dutyId": 2, "regNo": "28635"},
        ],
    ],
)
async def test_the_answer_is_read_as_a_list_or_data_in_any_key_case(
    respx_mock, driver, body
) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    respx_mock.post(SEND).mock(return_value=httpx.Response(200, json=body))
    registration = await driver.register(APP)
    assert (registration.protocol_number, registration.protocol_date) == (
        "28635",
        today_in_athens(),
    )


async def test_directory_pages_are_read_and_names_resolved(respx_mock, cache) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    respx_mock.get(f"{API}/external/profiles").mock(return_value=httpx.Response(200, json=PROFILES))
    pages = respx_mock.get(f"{API}/external/positions").mock(
        side_effect=[
            httpx.Response(200, json={"Data": POSITIONS[:4], "Pagination": {"TotalPages": 2}}),
            httpx.Response(200, json={"Data": POSITIONS[4:], "Pagination": {"TotalPages": 2}}),
        ]
    )
    send = respx_mock.post(SEND).mock(return_value=registered("9", 35, 1))
    made = IridaDriver(settings(), cache)
    app = Application(**{**APP.__dict__, "department": "ΤΜΗΜΑ ΚΑΘΑΡΙΟΤΗΤΑΣ"})
    assert (await made.register(app)).protocol_number == "9"
    assert [dict(c.request.url.params) for c in pages.calls] == [
        {"pageNumber": "1", "pageSize": "100"},
        {"pageNumber": "2", "pageSize": "100"},
    ]
    assert [p for n, f, p in parts(send.calls.last.request) if n == "Recipients"] == [b"35-1"]
    await made.aclose()


async def test_ids_are_sent_as_given_and_roots_by_name(respx_mock, cache) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    positions = directory(respx_mock)
    inner = respx_mock.post(SEND).mock(return_value=registered("5", 36, 1))
    to_root = respx_mock.post(SEND_TO_ROOT).mock(
        return_value=httpx.Response(
            200, json=[{"rootId": 12, "rootName": "Δήμος Δράμας", "regNo": "77"}]
        )
    )
    made = IridaDriver(settings(), cache)
    by_id = Application(**{**APP.__dict__, "reference": "a", "department": "36-1"})
    assert (await made.register(by_id)).protocol_number == "5"
    assert not positions.called  # an id needs no look-up
    elsewhere = Application(**{**APP.__dict__, "reference": "b", "department": "root:δήμος δράμας"})
    assert (await made.register(elsewhere)).protocol_number == "77"
    assert [p for n, f, p in parts(to_root.calls.last.request) if n == "Recipients"] == [b"12"]
    assert inner.call_count == 1
    await made.aclose()


async def test_a_name_with_several_duties_must_say_which(respx_mock, cache) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=registered("6", 36, 3))
    made = IridaDriver(settings(), cache)
    ambiguous = Application(**{**APP.__dict__, "department": "Γραφείο Πρωτοκόλλου"})
    with pytest.raises(ConfigurationError, match=r"Γραφείο Πρωτοκόλλου / DUTY"):
        await made.register(ambiguous)
    assert not send.called and await cache.get(APP.reference) is None
    chosen = Application(**{**APP.__dict__, "department": "Γραφείο Πρωτοκόλλου / Χειριστής"})
    assert (await made.register(chosen)).protocol_number == "6"
    await made.aclose()


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
    with pytest.raises(ConfigurationError, match=r"no inner position named .Αρχείο.*Τμήμα Εσόδων"):
        await driver.register(Application(**{**APP.__dict__, "department": "Αρχείο"}))
    other = IridaDriver(settings(position_name="ΔΗΜΑΡΧΟΣ"), cache)
    with pytest.raises(ConfigurationError, match="no profile at position 'ΔΗΜΑΡΧΟΣ'"):
        await other.register(APP)
    await driver.aclose()
    await other.aclose()


@pytest.mark.parametrize(
    "positions",
    [httpx.Response(200, json={"not": "a list"}), httpx.Response(200, text="<html>")],
)
async def test_malformed_directory_answers_are_transient(respx_mock, driver, positions) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T")
    respx_mock.get(f"{API}/external/profiles").mock(return_value=httpx.Response(200, json=PROFILES))
    respx_mock.get(f"{API}/external/positions").mock(return_value=positions)
    with pytest.raises(TransientError):
        await driver.register(APP)
    assert await driver.sends.get(APP.reference) is None  # nothing was sent, nothing in doubt


async def test_health_checks_credentials_profile_and_every_department(
    respx_mock, cache, clock
) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T", "U", "V")
    positions = directory(respx_mock)
    send = respx_mock.post(SEND).mock(return_value=registered())
    departments = {"fee_exemption": "Τμήμα Εσόδων", "everyday_report": "Αποθήκη"}
    driver = IridaDriver(settings(departments=departments), cache, clock)
    health = await driver.health()
    assert (
        not health.ok
        and "everyday_report: ΙΡΙΔΑ: no inner position named 'Αποθήκη'" in health.detail
    )
    assert not send.called  # a health check never sends a document
    good = IridaDriver(settings(health_interval=600), cache, clock)
    assert (await good.health()) == Health(True, "ΙΡΙΔΑ as profile P-2")
    # answered from the last check for health_interval seconds: ΙΡΙΔΑ counts calls
    calls = len(respx_mock.calls)
    for _ in range(5):
        assert (await good.health()).ok
    assert len(respx_mock.calls) == calls
    clock.now += 601
    assert (await good.health()).ok and positions.call_count > 2
    await driver.aclose()
    await good.aclose()


async def test_an_address_not_on_the_allow_list_and_a_spent_quota(
    respx_mock, driver, cache
) -> None:  # type: ignore[no-untyped-def]
    token(respx_mock, "T", "U")
    directory(respx_mock)
    respx_mock.post(SEND).mock(
        return_value=httpx.Response(401, json={"message": "Unauthorized: 10.0.0.9 is not allowed"})
    )
    with pytest.raises(ConfigurationError, match=r"not allowed.*allow-list"):
        await driver.register(APP)
    assert await cache.get(APP.reference) is None
    respx_mock.post(SEND).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(ThrottledError):
        await driver.register(APP)
    assert await cache.get(APP.reference) is None  # refused before any work: may be sent later


async def test_concurrent_sends_refused_with_one_token_renew_it_once(respx_mock, driver) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    login = token(respx_mock, "OLD", "NEW", "SPARE")
    directory(respx_mock)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer OLD":
            return httpx.Response(401, json={"message": "expired"})
        return registered()

    respx_mock.post(SEND).mock(side_effect=answer)
    await driver.api.bearer()  # both sends start with the same token
    apps = [Application(**{**APP.__dict__, "reference": f"evt-{i}:protocol"}) for i in range(4)]
    await asyncio.gather(*(driver.register(app) for app in apps))
    assert login.call_count == 2
