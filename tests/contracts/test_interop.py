"""Issue 12, interoperability: what the official libraries and a standard schema tool make of us.

- standardwebhooks (the Standard Webhooks reference library) signs what the
  portal posts and verifies what the webhook plugin sends;
- cloudevents (the CNCF SDK) builds events intake accepts, and reads what the
  webhook plugin forwards with every extension attribute intact;
- check-jsonschema (a standard CLI) resolves our published event schemas from
  the files alone, and enforces the ΑΦΜ and RF shapes as patterns;
- the OpenAPI's CloudEvent is as strict as envelope.json.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.v1.event import CloudEvent
from standardwebhooks.webhooks import Webhook

from gateway.contracts import contracts_dir
from tests.support.events import example
from tests.support.settings import SECRET, build_settings

EVENTS = contracts_dir() / "events"
OUTBOUND_SECRET = "whsec_" + base64.b64encode(b"outbound-secret-0123456789").decode()
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
async def gateway(start_gateway, database_url, receiver):  # type: ignore[no-untyped-def]
    settings = build_settings(
        database_url,
        {"webhook": {"url": receiver.url + "/events", "secret": OUTBOUND_SECRET}},
        [{"type": "request.submitted", "plugins": ["webhook"]}],
    )
    return await start_gateway(settings)


def _cloudevent(**attributes: Any) -> CloudEvent:
    event = example("request.submitted")
    data = event.pop("data")
    event.pop("specversion")
    event["time"] = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    return CloudEvent(attributes={**event, **attributes}, data=data)


async def test_the_reference_library_signs_what_intake_accepts(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    message = ce_http.to_structured_event(_cloudevent())
    msg_id = "msg-interop-1"
    now = datetime.now(UTC)
    headers = {
        **message.headers,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, now, message.body),
    }
    response = await portal.client.post(
        f"{portal.base_url}/v1/events", content=message.body, headers=headers
    )
    assert response.status_code == 202, response.text


async def test_what_the_webhook_plugin_sends_verifies_and_keeps_every_attribute(
    gateway, receiver
) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    sent = _cloudevent(
        traceparent=TRACEPARENT,
        partitionkey="REQ-2026-0001",
        dataschema="https://eservices.serres.gr/schemas/request.submitted.json",
        datacontenttype="application/json; charset=utf-8",
    )
    message = ce_http.to_structured_event(sent)
    event = json.loads(message.body)
    assert (await portal.post_event(event)).status_code == 202
    await portal.wait_settled(event["id"])
    (request,) = [r for r in receiver.requests if r.path == "/events"]
    Webhook(OUTBOUND_SECRET).verify(request.body, request.headers)  # raises if not signed right
    received = ce_http.from_http_event(
        ce_http.HTTPMessage(headers=request.headers, body=request.body.encode())
    )
    assert received.get_extension("traceparent") == TRACEPARENT
    assert received.get_extension("partitionkey") == "REQ-2026-0001"
    assert received.get_dataschema() == sent.get_dataschema()
    assert received.get_data() == sent.get_data()


def _check_jsonschema(
    schema: Path, instance: Any, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    target = tmp_path / "instance.json"
    target.write_text(json.dumps(instance, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--disable-formats",
            "*",
            "--schemafile",
            str(schema),
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", sorted(p.stem for p in EVENTS.glob("*.json") if p.stem not in ("envelope", "common"))
)
def test_a_standard_tool_resolves_each_published_schema(name: str, tmp_path: Path) -> None:
    event = json.loads((contracts_dir() / "examples" / f"{name}.json").read_text("utf-8"))
    envelope = _check_jsonschema(EVENTS / "envelope.json", event, tmp_path)
    assert envelope.returncode == 0, envelope.stdout + envelope.stderr
    data = _check_jsonschema(EVENTS / f"{name}.json", event["data"], tmp_path)
    assert data.returncode == 0, data.stdout + data.stderr


@pytest.mark.slow
def test_a_standard_tool_enforces_the_afm_and_rf_shapes(tmp_path: Path) -> None:
    event = json.loads((contracts_dir() / "examples" / "payment.completed.json").read_text("utf-8"))
    data = event["data"]
    bad_afm = {**data, "payer": {**data["payer"], "afm": "09O165560"}}
    bad_rf = {**data, "rf_code": "XX18 5390 0754 7034"}
    for instance in (bad_afm, bad_rf):
        result = _check_jsonschema(EVENTS / "payment.completed.json", instance, tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "does not match" in result.stdout + result.stderr


def test_the_openapi_cloudevent_is_as_strict_as_the_envelope() -> None:
    spec = yaml.safe_load((contracts_dir() / "gateway.openapi.yaml").read_text("utf-8"))
    openapi = spec["components"]["schemas"]["CloudEvent"]
    envelope = json.loads((EVENTS / "envelope.json").read_text("utf-8"))
    assert openapi["required"] == envelope["required"]
    assert openapi["additionalProperties"] is envelope["additionalProperties"] is False
    assert openapi["patternProperties"].keys() == envelope["patternProperties"].keys()
    strictness = ("type", "const", "pattern", "minLength", "maxLength", "format")
    for name, rules in envelope["properties"].items():
        kept = {k: v for k, v in rules.items() if k in strictness}
        published = {k: v for k, v in openapi["properties"][name].items() if k in strictness}
        if name == "id":  # the portal's ids are the envelope's without '~'
            assert published["pattern"] == kept["pattern"].replace("~", "")
            continue
        assert published == kept, name
