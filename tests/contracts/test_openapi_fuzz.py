"""Issue 12: schemathesis over gateway/contracts/gateway.openapi.yaml against a running gateway, on both databases.

Every answer must be a documented status and none may be a 5xx: with bad
parameters, bad headers, bad bodies, and signed bodies that reach the schema
checks (tests/support/fuzz_hooks.py). The CLI runs as a subprocess against
the gateway served in this test's event loop. `make fuzz` runs it longer.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from gateway import appkeys
from gateway.contracts import contracts_dir
from gateway.store import views
from mocks.genesis import FakeGenesis
from tests.support.settings import OPERATOR_TOKEN, SECRET, build_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "40"))


@pytest.mark.slow
async def test_no_5xx_and_no_undocumented_status(
    start_gateway, database_url, receiver, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    genesis = FakeGenesis()
    await genesis.start()
    try:
        settings = build_settings(
            database_url,
            {
                "webhook": {"url": receiver.url + "/events"},
                "genesis": {"url": genesis.endpoint, "timeout": 5},
            },
            [{"type": "request.submitted", "plugins": ["webhook"]}],
        )
        portal, app = await start_gateway(settings)
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "tests.support.fuzz_hooks",
            "FUZZ_PORTAL_SECRET": SECRET,
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp_path),  # schemathesis keeps nothing of ours
        }
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            str(contracts_dir() / "gateway.openapi.yaml"),
            "--url",
            portal.base_url,
            "--header",
            f"Authorization: Bearer {OPERATOR_TOKEN}",
            "--checks",
            "not_a_server_error,status_code_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            "--workers",
            "1",
            "--seed",
            "12",
            "--suppress-health-check",
            "all",
        ]
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=tmp_path,  # its own files (.schemathesis/) go there, not in the checkout
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
        report = output.decode("utf-8", "replace")
        (tmp_path / "schemathesis.txt").write_text(report, encoding="utf-8")
        assert process.returncode == 0, report[-6000:]
        assert " passed" in report and "failed" not in report.split("SUMMARY")[-1], report[-3000:]
        stored = await views.list_events(app[appkeys.STORE], limit=500)
        assert stored["items"], "no fuzzed event reached the store"
    finally:
        await genesis.stop()
