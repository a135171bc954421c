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
        "Recipients": ["7003"],
        **changes.pop("data", {}),
    }
    files = changes.pop("files", [("Files", ("a.docx", b"PK...", "application/octet-stream"))])
    return client.post(f"{API}/external", data=data, files=files, headers=auth)


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
    first = (await send(client, auth)).json()["data"]
    second = (await send(client, auth)).json()["data"]
    assert first[0]["regNo"].startswith("500/") and second[0]["regNo"].startswith("501/")
    assert first[0]["rootName"] == "Ληξιαρχείο"
    assert len(mock.registrations_of("[ref:e1:protocol]")) == 2
    two = (await send(client, auth, data={"Recipients": ["7001", "7002"]})).json()["data"]
    assert [r["rootId"] for r in two] == ["7001", "7002"]
    inbox = (await client.get(f"{API}/external/inbox/false", headers=auth)).json()
    assert len(inbox) == 4 and inbox[0]["subject"] == "Αίτηση [ref:e1:protocol]"
    assert (await client.get(f"{API}/external/inbox/true", headers=auth)).json() == []
    assert (await client.get(f"{API}/external/inbox/maybe", headers=auth)).status_code == 400
    document = (await client.get(f"{API}/external/document/{inbox[0]['id']}", headers=auth)).json()
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
    assert len(state["documents"]) == 4 and state["token_requests"] == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"data": {"Subject": ""}}, "Subject is required"),
        ({"data": {"Sender": ""}}, "Sender is required"),
        ({"data": {"Recipients": ["9999"]}}, "unknown recipient '9999'"),
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
    fields = {"Subject": "s", "Sender": "x", "Recipients": ["7001"]}
    plain = await client.post(f"{API}/external", data=fields, headers=auth)
    assert plain.status_code == 400 and "multipart" in plain.json()["errors"][0]
    no_file = await client.post(
        f"{API}/external", data=fields, files=[("Note", (None, b"text"))], headers=auth
    )
    assert no_file.status_code == 400 and "at least one of Files" in no_file.json()["errors"][0]
    assert mock.documents == []


async def test_reset_forgets_everything(irida) -> None:  # type: ignore[no-untyped-def]
    mock, client = irida
    await send(client, await headers(client))
    await client.post("/_mock/reset")
    assert mock.documents == [] and mock.tokens == {} and mock.counters == {}
