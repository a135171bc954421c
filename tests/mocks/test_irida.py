"""The ΙΡΙΔΑ mock as a real server: its token quirk, headers, validation, numbering without deduplication."""

from __future__ import annotations

import base64

import httpx
import pytest

from mocks.irida import FakeIrida

API = "/iris/api/v2"


@pytest.fixture
async def irida():  # type: ignore[no-untyped-def]
    mock = FakeIrida(first_number=500)
    await mock.start()
    async with httpx.AsyncClient(base_url=mock.url) as client:
        yield mock, client
    await mock.stop()


async def login(client: httpx.AsyncClient, password: str = "irida-test-password") -> httpx.Response:
    return await client.post(
        f"{API}/common/token", data={"username": "gateway", "password": password}
    )


async def headers(client: httpx.AsyncClient) -> dict[str, str]:
    token = (await login(client)).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "x-profile": "1001-2001"}


def send(client: httpx.AsyncClient, auth: dict[str, str], **changes):  # type: ignore[no-untyped-def]
    data = {
        "Subject": "Αίτηση [ref:e1:protocol]",
        "RegistrationNumber": "ΑΝΕΥ",
        "Sender": "Μαρία",
        "Recipients": ["103-2"],
        **changes.pop("data", {}),
    }
    files = changes.pop("files", [("Files", ("a.docx", b"PK...", "application/octet-stream"))])
    return client.post(f"{API}/external/innerPositions", data=data, files=files, headers=auth)


async def test_bad_credentials_are_an_http_200_with_text(irida) -> None:  # type: ignore[no-untyped-def]
    _mock, client = irida
    answer = await login(client, "wrong")
    assert answer.status_code == 200 and answer.text == "invalid_username_or_password"
    good = (await login(client)).json()
    assert good["expires_in"] == 8 * 3600 and good["access_token"]


async def test_token_and_profile_are_required(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    assert (await client.get(f"{API}/external/profiles")).status_code == 401
    auth = await headers(client)
    profiles = await client.get(
        f"{API}/external/profiles", headers={"Authorization": auth["Authorization"]}
    )
    assert {p["xProfile"] for p in profiles.json()} == {"1001-2001", "1002-2002"}
    no_profile = await client.get(
        f"{API}/external/roots", headers={"Authorization": auth["Authorization"]}
    )
    assert no_profile.status_code == 403
    assert (await client.get(f"{API}/external/roots", headers=auth)).status_code == 200
    mock.expire_tokens()
    assert (await client.get(f"{API}/external/roots", headers=auth)).status_code == 401


async def test_sends_are_numbered_and_never_deduplicated(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    auth = await headers(client)
    first = (await send(client, auth)).json()
    second = (await send(client, auth)).json()
    # v2.2: a bare list, one item per recipient, regNo the number alone
    assert isinstance(first, list) and first[0]["regNo"] == "500" and second[0]["regNo"] == "501"
    assert first[0] == {
        "positionId": 103,
        "dutyId": 2,
        "positionName": "Ληξιαρχείο",
        "dutyName": "Ληξίαρχος",
        "regNo": "500",
    }
    assert len(mock.registrations_of("[ref:e1:protocol]")) == 2
    two = (await send(client, auth, data={"Recipients": ["101-1", "102-1"]})).json()
    assert [(r["positionId"], r["dutyId"]) for r in two] == [(101, 1), (102, 1)]
    to_root = await client.post(
        f"{API}/external",
        data={"Subject": "s", "Sender": "x", "Recipients": ["7002"]},
        files=[("Files", ("a.pdf", b"%PDF", "application/pdf"))],
        headers=auth,
    )
    assert to_root.json() == [{"rootId": "7002", "rootName": "Δήμος Δράμας", "regNo": "504"}]
    # the inbox lists replies to our documents, never our sends
    assert (await client.get(f"{API}/external/inbox/false", headers=auth)).json() == []
    reply = mock.add_reply(mock.documents[0]["id"])
    inbox = (await client.get(f"{API}/external/inbox/false", headers=auth)).json()
    assert inbox == [reply] and reply["directoryReferences"][0]["referenceRegNo"] == "500"
    assert (await client.get(f"{API}/external/inbox/true", headers=auth)).json() == []
    assert (await client.get(f"{API}/external/inbox/maybe", headers=auth)).status_code == 400
    document = (
        await client.get(f"{API}/external/document/{mock.documents[0]['id']}", headers=auth)
    ).json()
    file_id = document["files"][0]["id"]
    stored = (
        await client.get(f"{API}/external/document/{document['id']}/file/{file_id}", headers=auth)
    ).json()
    assert (
        base64.b64decode(stored["base64ByteArray"]) == b"PK..." and stored["fileName"] == "a.docx"
    )
    assert (await client.get(f"{API}/external/document/999", headers=auth)).status_code == 404
    assert (
        await client.get(f"{API}/external/document/2/file/{file_id}", headers=auth)
    ).status_code == 404
    state = (await client.get("/_mock/state")).json()
    assert len(state["documents"]) == 5 and state["token_requests"] == 1


async def test_positions_come_in_pages(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    mock.set_options(page_size_cap=3)
    auth = await headers(client)
    pages = []
    for number in (1, 2, 3):
        answer = await client.get(
            f"{API}/external/positions",
            params={"pageNumber": number, "pageSize": 100},
            headers=auth,
        )
        pages.append(answer.json())
    assert [len(page["data"]) for page in pages] == [3, 3, 2]
    assert pages[0]["pagination"] == {
        "pageNumber": 1, "pageSize": 3, "totalRecords": 8, "totalPages": 3
    }  # fmt: skip
    assert {"positionId", "dutyId", "positionName", "unitName", "dutyName", "displayName"} == set(
        pages[0]["data"][0]
    )
    bad = await client.get(f"{API}/external/positions", params={"pageNumber": "x"}, headers=auth)
    assert bad.status_code == 400


async def test_upper_case_keys_and_data_wrapping_as_other_environments(irida) -> None:  # type: ignore[no-untyped-def]
    _mock, client = irida
    assert (
        await client.post("/_mock/options", json={"key_case": "upper", "wrap_data": True})
    ).status_code == 200
    auth = await headers(client)
    sent = (await send(client, auth)).json()
    assert sent == {"Data": [{"PositionId": 103, "DutyId": 2, "PositionName": "Ληξιαρχείο", "DutyName": "Ληξίαρχος", "RegNo": "500"}]}  # fmt: skip
    roots = (await client.get(f"{API}/external/roots", headers=auth)).json()
    assert roots[0] == {"Id": "7001", "Description": "Δήμος Σερρών"}
    for wrong in ({"key_case": "sideways"}, {"daily_quota": -1}, {"colour": 1}, ["x"]):
        assert (await client.post("/_mock/options", json=wrong)).status_code == 400


async def test_a_spent_quota_is_429_and_an_address_off_the_list_401(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    auth = await headers(client)  # one call
    mock.set_options(daily_quota=3)
    assert (await client.get(f"{API}/external/roots", headers=auth)).status_code == 200
    assert (await client.get(f"{API}/external/roots", headers=auth)).status_code == 200
    spent = await client.get(f"{API}/external/roots", headers=auth)
    assert spent.status_code == 429 and spent.headers["Retry-After"] == "3600"
    assert (await login(client)).status_code == 429  # the token counts too
    mock.set_options(daily_quota=None, allowed_addresses=["10.20.30.40"])
    refused = await client.get(f"{API}/external/roots", headers=auth)
    assert refused.status_code == 401 and "not an allowed address" in refused.json()["message"]
    mock.set_options(allowed_addresses=["127.0.0.1"])
    assert (await client.get(f"{API}/external/roots", headers=auth)).status_code == 200


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"data": {"Subject": ""}}, "Subject is required"),
        ({"data": {"Sender": ""}}, "Sender is required"),
        ({"data": {"Recipients": ["9999"]}}, "unknown recipient '9999' (inner positions"),
        ({"data": {"Recipients": ["7001"]}}, "unknown recipient '7001'"),
        ({"files": [("Files", ("a.exe", b"MZ", "application/octet-stream"))]}, "only pdf, doc and docx"),
    ],
)  # fmt: skip
async def test_wrong_sends_are_refused_with_reasons(irida, changes, error) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    answer = await send(client, await headers(client), **changes)
    assert answer.status_code == 400
    assert error in " ".join(answer.json()["errors"])
    assert mock.documents == []


async def test_a_send_without_files_or_not_multipart_is_refused(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    auth = await headers(client)
    fields = {"Subject": "s", "Sender": "x", "Recipients": ["101-1"]}
    plain = await client.post(f"{API}/external/innerPositions", data=fields, headers=auth)
    assert plain.status_code == 400 and "multipart" in plain.json()["errors"][0]
    no_file = await client.post(
        f"{API}/external/innerPositions",
        data=fields,
        files=[("Note", (None, b"text"))],
        headers=auth,
    )
    assert no_file.status_code == 400 and "at least one of Files" in no_file.json()["errors"][0]
    assert mock.documents == []


async def test_reset_forgets_everything(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    await send(client, await headers(client))
    await client.post("/_mock/reset")
    assert mock.documents == [] and mock.tokens == {} and mock.counters == {}
