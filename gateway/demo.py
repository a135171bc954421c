"""`make demo`: mocks + gateway on SQLite, the example events posted, outcomes printed."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import tempfile
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gateway.config import parse_settings
from gateway.contracts import contracts_dir
from gateway.plugins import PluginHost
from gateway.portal import PortalClient
from gateway.runner import running_gateway
from gateway.schemas import EventSchemas

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_config(workdir: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The shipped example config, moved to free ports, a scratch database and quick retries."""
    raw = tomllib.loads((ROOT / "gateway.example.toml").read_text(encoding="utf-8"))
    env = {
        "GATEWAY_PORTAL_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        "GATEWAY_PORTAL_TOKEN": secrets.token_urlsafe(24),
        "GATEWAY_OPERATOR_TOKEN": secrets.token_urlsafe(24),
        "TAXIS_USERNAME": "DEMO_USER",
        "TAXIS_PASSWORD": secrets.token_urlsafe(12),
        "IRIDA_USERNAME": "demo-gateway",
        "IRIDA_PASSWORD": secrets.token_urlsafe(12),
    }
    raw["gateway"]["listen"] = f"127.0.0.1:{free_port()}"
    raw["gateway"]["database_url"] = f"sqlite+aiosqlite:///{workdir / 'gateway.db'}"
    raw["gateway"]["log_level"] = "WARNING"
    for section in raw["plugins"].values():
        if "url" in section:
            old = urlsplit(section["url"])
            section["url"] = section["url"].replace(f":{old.port}", f":{free_port()}", 1)
            if "health_url" in section:
                section["health_url"] = section["health_url"].replace(
                    f":{old.port}", f":{urlsplit(section['url']).port}", 1
                )
        section["retry"] = {**section.get("retry", {}), "initial_delay": 0.5, "multiplier": 2}
    return raw, env


def _summary(result: dict[str, Any]) -> str:
    if "protocol_number" in result:
        return f"protocol number {result['protocol_number']}/{result['protocol_date']} in {result['registry']}"
    if "receipt_number" in result:
        return f"receipt {result['receipt_number']} for {result['amount']} EUR ({result['rf_code']}), posted {result['posted_at']}"
    if "eligible" in result:
        verdict = "ELIGIBLE" if result["eligible"] else "not eligible"
        return f"{result['name']} ({result['afm']}): {verdict}; {result['reasons'][0]}"
    return json.dumps(result, ensure_ascii=False)


async def _describe(portal: PortalClient, view: dict[str, Any], depth: int = 1) -> list[str]:
    pad = "    " * depth
    lines = []
    for delivery in view["deliveries"]:
        attempts = delivery["attempts"]
        line = f"{pad}{delivery['plugin']}: {delivery['state']} after {attempts} attempt{'s' if attempts != 1 else ''}"
        failed = [h for h in delivery.get("history", []) if h["outcome"] not in ("succeeded", None)]
        if failed:
            line += f" (first failure: {failed[0]['error']})"
        if delivery["state"] == "dead":
            line += f": {delivery['last_error']}"
        lines.append(line)
        if delivery["result"] is not None:
            lines.append(f"{pad}  answer: {_summary(delivery['result'])}")
        for derived_id in delivery["emitted"]:
            derived = await portal.wait_settled(derived_id)
            lines.append(f"{pad}  -> derived {derived['type']} {derived_id}: {derived['status']}")
            lines += await _describe(portal, derived, depth + 2)
    return lines or [f"{pad}(no route sends this event anywhere)"]


def _portal_events(schemas: EventSchemas) -> list[dict[str, Any]]:
    """The portal examples, plus a fee exemption for a business that does not qualify."""
    events = []
    for path in sorted((contracts_dir() / "examples").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        if event["type"] in schemas.portal_types:
            events.append(event)
            if event["type"] == "request.submitted":
                other = json.loads(json.dumps(event))
                other["id"], other["subject"] = "evt-req-0002", "request/REQ-2026-0002"
                other["data"]["request_id"] = "REQ-2026-0002"
                other["data"]["business"] = {"afm": "094014298", "name": "ΛΟΓΙΣΜΙΚΟ ΣΕΡΡΩΝ ΑΕ"}
                events.append(other)
    return events


async def run_demo(keep: bool = False) -> int:
    from gateway.logs import configure_logging

    configure_logging("ERROR")
    workdir = Path(tempfile.mkdtemp(prefix="gateway-demo-"))
    raw, env = _demo_config(workdir)
    host = PluginHost()
    schemas = EventSchemas(contracts_dir() / "events")
    settings = parse_settings(
        raw,
        host.settings_model,
        schemas.known_types,
        environ={**os.environ, **env},
        config_dir=ROOT,
    )
    from gateway.app import plugin_contexts

    mocks = []
    for context in plugin_contexts(settings).values():
        mock = host.mock(context)
        if mock is not None:
            await mock.start()
            mocks.append(mock)
    print(f"Mocks: {', '.join(f'{m.name} at {m.url}' for m in mocks)}")
    # one injected failure, so the demo also shows a retry
    next(m for m in mocks if m.name == "webhook").set_faults(fail_next=1)
    failures = 0
    try:
        async with running_gateway(settings, host) as (base_url, _app):
            print(f"Gateway: {base_url} (database {workdir / 'gateway.db'})\n")
            portal = PortalClient(
                base_url, env["GATEWAY_PORTAL_SECRET"], env["GATEWAY_PORTAL_TOKEN"]
            )
            posted = []
            for event in _portal_events(schemas):
                response = await portal.post_event(event)
                print(
                    f"POST {event['type']:<24} {event['id']:<18} -> {response.status_code} {response.json()}"
                )
                posted.append(event["id"])
            print()
            for event_id in posted:
                view = await portal.wait_settled(event_id)
                print(f"{view['type']} {event_id}: {view['status']}")
                print("\n".join(await _describe(portal, view)))
                failures += view["status"] != "delivered"
            looked_up = await portal.get("/v1/lookups/business/090165560")
            print(
                f"\nGET /v1/lookups/business/090165560 -> {looked_up.status_code}: {_summary(looked_up.json())}"
            )
            owed = (await portal.get("/v1/lookups/debts/094259216")).json()
            print(
                f"GET /v1/lookups/debts/094259216 -> total {owed['total']} EUR, no debt: {owed['no_debt']}"
            )
            for debt in owed["debts"]:
                print(
                    f"    {debt['category']:<18} {debt['amount']:>8} EUR  {debt['rf_code']}  due {debt['due_date']}"
                )
            again = await portal.post_event(
                json.loads((contracts_dir() / "examples" / "request.submitted.json").read_text())
            )
            print(
                f"\nSame event posted again -> {again.status_code}, Idempotent-Replayed: {again.headers.get('Idempotent-Replayed')}"
            )
            print(
                f"Status URLs need a token: curl -H 'Authorization: Bearer <portal token>' {base_url}/v1/events/{posted[0]}"
            )
            await portal.aclose()
    finally:
        for mock in mocks:
            print(f"Mock {mock.name} at {mock.url} received {len(mock.requests)} request(s)")
            await mock.stop()
        if keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(
        "\nDemo finished: every event delivered."
        if not failures
        else f"\nDemo finished: {failures} event(s) not delivered."
    )
    return 1 if failures else 0
