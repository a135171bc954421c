"""The registry registers, the gateway is killed before it records the answer: still one registration."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from gateway.devtools.portal import PortalClient
from gateway.devtools.ports import free_port
from mocks.base import MockBackend
from tests.plugins.protocol.support import REST_TOKEN, make_mock, registrations
from tests.support.events import example
from tests.support.process import GatewayProcess, run_cli
from tests.support.process import config_file as gateway_config
from tests.support.settings import OPERATOR_TOKEN, SECRET

pytestmark = pytest.mark.slow
SEND_PATH = {"rest": "/api/v1/documents", "irida": "/iris/api/v2/external/innerPositions"}


def config_file(
    tmp_path: Path, database_url: str, port: int, driver: str, mock: MockBackend, extra: str = ""
) -> Path:
    if driver == "irida":
        keys = f'driver = "irida"\nurl = "{mock.url}"\nusername = "gateway"\npassword = "irida-test-password"'
    else:
        keys = f'driver = "rest"\nurl = "{mock.url}/api/v1"\ntoken = "{REST_TOKEN}"'
    return gateway_config(
        tmp_path,
        port,
        database_url,
        f"""
[plugins.protocol]
{keys}
timeout = 1
{extra}
[plugins.protocol.retry]
initial_delay = 0.2
multiplier = 2
max_delay = 1
[[routes]]
type = "request.submitted"
plugins = ["protocol"]
""",
    )


async def kill_after_registering(
    gateway: GatewayProcess, portal: PortalClient, mock: MockBackend, driver: str
) -> dict:
    # the registry does the work, then holds its answer until the gateway is dead
    mock.set_faults(latency_ms=30_000, latency_phase="after", only_path=SEND_PATH[driver])
    await asyncio.to_thread(gateway.start)
    event = example("request.submitted")
    assert (await portal.post_event(event)).status_code == 202
    deadline = time.monotonic() + 20
    while registrations(mock, event["id"]) == 0:
        assert time.monotonic() < deadline, "the registry never registered"
        await asyncio.sleep(0.02)
    await asyncio.to_thread(gateway.kill)
    mock.set_faults()  # the registry answers again
    await asyncio.to_thread(gateway.start)
    return event


@pytest.mark.parametrize("driver", ["rest"])  # ΙΡΙΔΑ: the test below
async def test_killed_between_registry_and_record_ends_with_one_registration(
    tmp_path: Path, database_url: str, driver: str
) -> None:
    mock = make_mock(driver)
    await mock.start()
    port = free_port()
    gateway = GatewayProcess(
        config_file(tmp_path, database_url, port, driver, mock), port, tmp_path / "g.log"
    )
    portal = PortalClient(gateway.url, SECRET, OPERATOR_TOKEN)
    try:
        event = await kill_after_registering(gateway, portal, mock, driver)
        view = await portal.wait_settled(event["id"], within=60)
        (delivery,) = view["deliveries"]
        assert delivery["state"] == "succeeded", delivery
        assert [h["outcome"] for h in delivery["history"]] == ["lease_expired", "succeeded"]
        assert registrations(mock, event["id"]) == 1
        (document,) = mock.documents if driver == "irida" else mock.documents.values()  # type: ignore[attr-defined]
        number = (
            document["regNo"].split("/")[0] if driver == "irida" else document["protocol_number"]
        )
        assert delivery["result"]["protocol_number"] == number
        assert await asyncio.to_thread(gateway.stop) == 0
    finally:
        await portal.aclose()
        if gateway.process and gateway.process.poll() is None:
            gateway.kill()
        await mock.stop()


async def test_irida_killed_between_send_and_record_waits_for_a_clerk_who_confirms_in_the_cli(
    tmp_path: Path, sqlite_url: str
) -> None:
    mock = make_mock("irida")
    await mock.start()
    port = free_port()
    config = config_file(tmp_path, sqlite_url, port, "irida", mock)
    gateway = GatewayProcess(config, port, tmp_path / "g.log")
    portal = PortalClient(gateway.url, SECRET, OPERATOR_TOKEN)
    try:
        event = await kill_after_registering(gateway, portal, mock, "irida")
        view = await portal.wait_settled(event["id"], within=60)
        (delivery,) = view["deliveries"]
        assert (delivery["state"], delivery["last_error_kind"]) == ("dead", "outcome_unknown")
        assert f"Subject ends with [ref:{event['id']}:protocol]" in delivery["last_error"]
        assert registrations(mock, event["id"]) == 1

        letters = await run_cli("dead-letters", "--config", str(config))
        assert "OUTCOME UNKNOWN: confirm or release" in letters.stdout
        (document,) = mock.documents  # type: ignore[attr-defined]
        number, iso = document["regNo"], document["registeredOn"]
        wrong = await run_cli(
            "deliveries",
            "confirm",
            "--config",
            str(config),
            event["id"],
            "protocol",
            "protocol_number",
            "--reason",
            "found in ΙΡΙΔΑ",
        )
        assert wrong.returncode != 0 and "KEY=VALUE" in wrong.stderr
        done = await run_cli(
            "deliveries",
            "confirm",
            "--config",
            str(config),
            event["id"],
            "protocol",
            f"protocol_number={number}",
            f"protocol_date={iso}",
            "--reason",
            "found in ΙΡΙΔΑ",
        )
        assert done.returncode == 0, done.stderr
        assert f'"protocol_number": "{number}"' in done.stdout
        assert "emitted request.registered" in done.stdout
        view = await portal.wait_settled(event["id"])
        assert view["status"] == "delivered"
        again = await run_cli(
            "deliveries",
            "release",
            "--config",
            str(config),
            event["id"],
            "protocol",
            "--reason",
            "not in ΙΡΙΔΑ",
        )
        assert again.returncode == 1 and "not waiting for an operator" in again.stderr
        assert registrations(mock, event["id"]) == 1
    finally:
        await portal.aclose()
        if gateway.process and gateway.process.poll() is None:
            gateway.kill()
        await mock.stop()
