"""The REST e-protocol mock as a real server: numbering, deduplication, wrong requests, faults."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from gateway.contracts import contracts_dir
from mocks.protocol import FakeProtocolRegistry

SPEC = yaml.safe_load((contracts_dir() / "protocol" / "protocol.openapi.yaml").read_text())
REGISTERED = Draft202012Validator(
    {"$ref": "urn:p#/components/schemas/Registered"},
    registry=Registry().with_resource(
        "urn:p",
        Resource.from_contents({**SPEC, "$schema": "https://json-schema.org/draft/2020-12/schema"}),
    ),
)
AUTH = {"Authorization": "Bearer protocol-test-token"}


def registration(reference: str) -> dict:
    return {
        "external_reference": reference,
        "subject": "Αίτηση",
        "department": "Τμήμα Εσόδων",
        "sender": {"full_name": "Μαρία"},
    }


@pytest.fixture
async def registry():  # type: ignore[no-untyped-def]
    mock = FakeProtocolRegistry(first_number=100)
    await mock.start()
    async with httpx.AsyncClient(base_url=mock.url + "/api/v1", headers=AUTH) as client:
        yield mock, client
    await mock.stop()


async def test_numbers_from_the_start_and_deduplicates_by_reference(registry) -> None:  # type: ignore[no-untyped-def]
    mock, client = registry
    first = await client.post("/documents", json=registration("e1:protocol"))
    second = await client.post("/documents", json=registration("e2:protocol"))
    again = await client.post("/documents", json=registration("e1:protocol"))
    assert (first.status_code, second.status_code, again.status_code) == (201, 201, 200)
    assert first.json()["protocol_number"] == "100" and second.json()["protocol_number"] == "101"
    assert again.json() == first.json()
    REGISTERED.validate(first.json())
    assert first.json()["display"] == f"100/{date.today():%d-%m-%Y}"
    found = await client.get("/documents", params={"external_reference": "e2:protocol"})
    assert found.json()["protocol_number"] == "101"
    assert len(mock.state()["documents"]) == 2


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({}, 422, "required"),
        ({**registration("x"), "sender": {"afm": "094259216"}}, 422, "sender.full_name"),
        ([1], 422, "not an object"),
    ],
)
async def test_wrong_registrations(registry, body, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    _mock, client = registry
    answer = await client.post("/documents", json=body)
    assert answer.status_code == status and words in str(answer.json())


async def test_auth_lookups_and_faults(registry) -> None:  # type: ignore[no-untyped-def]
    mock, client = registry
    assert (
        await client.post(
            "/documents", json=registration("x"), headers={"Authorization": "Bearer wrong"}
        )
    ).status_code == 401
    assert (
        await client.get("/documents", params={"external_reference": "nope"})
    ).status_code == 404
    assert (await client.get("/documents")).status_code == 422
    assert (
        await client.post("/documents", content=b"{", headers={"Content-Type": "application/json"})
    ).status_code == 422
    mock.set_faults(fail_next=1, error_phase="after")
    lost = await client.post("/documents", json=registration("after"))
    assert lost.status_code == 503 and "after" in mock.documents  # registered, answer lost
    assert (await client.get("/health")).json()["status"] == "ok"
