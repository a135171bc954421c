"""gateway/contracts/gateway.openapi.yaml and the app agree: same routes, and real answers fit the schemas."""

from __future__ import annotations

from typing import Any

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource

from gateway.app import create_app
from gateway.contracts import contracts_dir
from tests.support.events import example
from tests.support.settings import build_settings

SPEC: dict[str, Any] = yaml.safe_load(
    (contracts_dir() / "gateway.openapi.yaml").read_text(encoding="utf-8")
)
METHODS = {"get", "post", "put", "patch", "delete"}


def test_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate_spec(SPEC)


def test_app_routes_and_spec_paths_agree(sqlite_url: str) -> None:
    app = create_app(build_settings(sqlite_url))
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.method.lower() in METHODS and route.resource is not None
    }
    documented = {
        (method, path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in METHODS
    }
    assert served == documented


def _validator(name: str) -> Draft202012Validator:
    registry: Registry = Registry().with_resource(
        "urn:spec",
        Resource.from_contents({**SPEC, "$schema": "https://json-schema.org/draft/2020-12/schema"}),
    )
    return Draft202012Validator({"$ref": f"urn:spec#/components/schemas/{name}"}, registry=registry)


async def test_real_answers_fit_the_documented_schemas(start_gateway, sqlite_url, receiver) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(
        sqlite_url,
        {"webhook": {"url": receiver.url + "/events"}},
        [{"type": "request.submitted", "plugins": ["webhook"]}],
    )
    portal, _ = await start_gateway(settings)
    event = example("request.submitted")
    accepted = await portal.post_event(event)
    _validator("Accepted").validate(accepted.json())
    _validator("EventView").validate(await portal.wait_settled(event["id"]))
    _validator("EventPage").validate((await portal.get("/v1/events")).json())
    _validator("Readiness").validate((await portal.client.get(f"{portal.base_url}/readyz")).json())
    _validator("PluginHealth").validate((await portal.get("/v1/health")).json())
    bad = await portal.post_event({**event, "id": "other", "data": {}})
    _validator("Problem").validate(bad.json())
    assert bad.json()["errors"]
