"""The `gateway` command on a real SQLite database (sync tests: the CLI runs its own event loop)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.devtools.ports import free_port
from gateway.store import open_store
from gateway.store.leases import claim_due, settle_failure
from tests.support.settings import OPERATOR_TOKEN, SECRET
from tests.support.store import new_event

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(
        f"""
[gateway]
database_url = "sqlite+aiosqlite:///{tmp_path / "gw.db"}"
[auth]
portal_secrets = ["{SECRET}"]
operator_tokens = ["{OPERATOR_TOKEN}"]
{extra}
"""
    )
    return path


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    config = write_config(tmp_path)

    async def seed() -> None:
        store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}")
        await store.accept([new_event("ok-1", []), new_event("dead-1", ["webhook"])])
        (claim,) = await claim_due(store, "webhook", 1, 60, "w")
        await settle_failure(
            store,
            claim,
            outcome="permanent",
            error_class="PermanentError",
            message="HTTP 422 from receiver",
            retry_at=None,
        )
        await store.close()

    asyncio.run(seed())
    return config


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_events_list_show_replay_and_dead_letters(seeded: Path) -> None:
    code, out = run("events", "list", "--config", str(seeded))
    assert code == 0
    assert "dead      request.submitted" in out and "dead-1  webhook=dead" in out and "ok-1" in out
    code, out = run("events", "list", "--config", str(seeded), "--status", "dead", "--json")
    assert [i["id"] for i in json.loads(out)["items"]] == ["dead-1"]
    code, out = run("events", "list", "--config", str(seeded), "--limit", "1")
    assert "more: --cursor" in out
    code, out = run("dead-letters", "--config", str(seeded))
    assert code == 0 and "webhook" in out and "HTTP 422 from receiver" in out
    code, out = run("events", "show", "dead-1", "--config", str(seeded))
    assert code == 0 and json.loads(out)["deliveries"][0]["last_error"] == "HTTP 422 from receiver"
    code, out = run("events", "replay", "dead-1", "--config", str(seeded))
    assert code == 0 and out.strip() == "replayed: webhook"
    code, out = run("events", "replay", "dead-1", "--config", str(seeded))
    assert "nothing to replay" in out
    code, out = run("dead-letters", "--config", str(seeded))
    assert "no dead letters" in out


def test_unknown_ids_and_bad_arguments(seeded: Path) -> None:
    assert run("events", "show", "nope", "--config", str(seeded))[0] == 1
    assert run("events", "replay", "nope", "--config", str(seeded))[0] == 1
    code, out = run("events", "list", "--config", str(seeded), "--cursor", "garbage")
    assert code == 2 and "cursor" in out
    code, out = run("events", "list", "--config", str(seeded), "--status", "lost")
    assert code == 2


def test_bad_config_is_reported_by_every_command(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[gateway]\nlisten = 1\n")
    for command in (["events", "list"], ["dead-letters"], ["db", "upgrade"], ["serve"], ["mocks"]):
        code, out = run(*command, "--config", str(bad))
        assert code == 2 and "gateway.listen, line 2:" in out, command


def test_plugins_and_db_upgrade(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[plugins.webhook]\nurl = "http://127.0.0.1:9/e"\n')
    code, out = run("plugins", "--config", str(config))
    lines = dict(line.split(maxsplit=1) for line in out.splitlines())
    assert (
        code == 0 and lines["webhook"].endswith("enabled") and lines["taxis"].endswith("disabled")
    )
    assert "municipal-gateway" in lines["webhook"]
    code, out = run("db", "upgrade", "--config", str(config))
    assert code == 0 and "up to date" in out


def test_mocks_command_serves_each_enabled_plugins_mock(tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, f'[plugins.webhook]\nurl = "http://127.0.0.1:{port}/events"\n')
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "mocks", "--config", str(config)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/_mock/state", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None, "mock did not start"
                time.sleep(0.1)
        assert state.json() == {"events": [], "times_seen": {}}
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"webhook: mock listening on http://127.0.0.1:{port}" in stderr
