"""gateway/contracts/protocol/irida.openapi.yaml is valid, says what is ours, and the mock's answers fit it."""

from __future__ import annotations

from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource

from gateway.contracts import contracts_dir
from mocks.irida import FakeIrida

PATH = contracts_dir() / "protocol" / "irida.openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(PATH.read_text(encoding="utf-8"))
REGISTRY = Registry().with_resource(
    "urn:irida",
    Resource.from_contents({**SPEC, "$schema": "https://json-schema.org/draft/2020-12/schema"}),
)
API = "/iris/api/v2"


def fits(schema_path: str, value: Any) -> list[str]:
    validator = Draft202012Validator({"$ref": f"urn:irida#{schema_path}"}, registry=REGISTRY)
    return [error.message for error in validator.iter_errors(value)]


def test_contract_is_valid_and_marks_its_assumptions() -> None:
    validate_spec(SPEC)
    description = SPEC["info"]["description"]
    assert "OUR ASSUMPTIONS" in description and "FACTS" in description
    assert "invalid_username_or_password" in PATH.read_text(encoding="utf-8")


async def test_the_mock_answers_fit_the_contract() -> None:
    mock = FakeIrida()
    await mock.start()
    try:
        async with httpx.AsyncClient(base_url=mock.url) as client:
            token = await client.post(
                f"{API}/common/token",
                data={"username": "gateway", "password": "irida-test-password"},
            )
            assert fits("/components/schemas/Token", token.json()) == []
            auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            profiles = (await client.get(f"{API}/external/profiles", headers=auth)).json()
            auth["x-profile"] = profiles[0]["xProfile"]
            roots = (await client.get(f"{API}/external/roots", headers=auth)).json()
            for item, schema in [(p, "Profile") for p in profiles] + [(r, "Root") for r in roots]:
                assert fits(f"/components/schemas/{schema}", item) == []
            positions = (await client.get(f"{API}/external/positions", headers=auth)).json()
            positions_schema = "/paths/~1iris~1api~1v2~1external~1positions/get/responses/200/content/application~1json/schema"
            assert fits(positions_schema, positions) == []
            file = [("Files", ("a.pdf", b"%PDF", "application/pdf"))]
            fields = {"Subject": "s", "RegistrationNumber": "ΑΝΕΥ", "Sender": "x"}
            position = positions["data"][0]
            inner = await client.post(
                f"{API}/external/innerPositions",
                data={**fields, "Recipients": [f"{position['positionId']}-{position['dutyId']}"]},
                files=file, headers=auth,
            )  # fmt: skip
            inner_schema = "/paths/~1iris~1api~1v2~1external~1innerPositions/post/responses/200/content/application~1json/schema"
            assert fits(inner_schema, inner.json()) == []
            sent = await client.post(
                f"{API}/external", data={**fields, "Recipients": [roots[0]["id"]]}, files=file, headers=auth
            )  # fmt: skip
            send_schema = "/paths/~1iris~1api~1v2~1external/post/responses/200/content/application~1json/schema"
            assert fits(send_schema, sent.json()) == []
            assert (await client.get(f"{API}/external/inbox/false", headers=auth)).json() == []
            mock.add_reply(mock.documents[0]["id"])
            inbox = (await client.get(f"{API}/external/inbox/false", headers=auth)).json()
            assert [fits("/components/schemas/Reply", d) for d in inbox] == [[]]
            refused = await client.get(f"{API}/external/roots")
            assert (
                fits("/components/responses/Error/content/application~1json/schema", refused.json())
                == []
            )
    finally:
        await mock.stop()
