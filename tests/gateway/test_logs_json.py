"""JSON logs: one object a line, the event and plugin in each, personal data masked in every field,
and a run through every plugin that writes not one unmasked ΑΦΜ or e-mail address."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway import __version__
from gateway.devtools.ports import free_port
from gateway.devtools.stories import story_events
from gateway.logs import EVENT_ID, PLUGIN, configure_logging, without_password
from tests.support.console import console_world
from tests.support.process import GatewayProcess, config_file

EMAIL = re.compile(r"[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    kept, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = kept
        root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_its_context_and_masked_fields(
    captured: io.StringIO,
) -> None:
    log = logging.getLogger("gateway.test")
    EVENT_ID.set("evt-1")
    PLUGIN.set("protocol")
    log.info("citizen %s <%s> wrote\nagain", "EL 090000045", "maria.p@example.gr")
    log.warning("extra fields too", extra={"who": "090000045", "mail": "maria.p@example.gr"})
    try:
        raise ValueError("bad ΑΦΜ 090000045 of maria.p@example.gr")
    except ValueError:
        log.exception("it failed")
    first, second, third = lines(captured)
    assert set(first) >= {
        "time",
        "level",
        "logger",
        "message",
        "event_id",
        "plugin",
        "trace_id",
        "span_id",
    }
    assert (first["level"], first["logger"], first["event_id"], first["plugin"]) == (
        "INFO",
        "gateway.test",
        "evt-1",
        "protocol",
    )
    assert first["time"].endswith("Z") and "\\n" in first["message"]  # escaped: still one line
    text = captured.getvalue()
    assert "090000045" not in text and "maria.p@example.gr" not in text
    assert second["who"] == "******045" and second["mail"] == "m***@example.gr"
    assert "ValueError" in third["exc_info"] and "******045" in third["exc_info"]


def test_a_database_url_is_logged_without_its_password() -> None:
    assert (
        without_password("postgresql+asyncpg://gw:s3cr%40t@db.local:5432/gateway")
        == "postgresql+asyncpg://gw:***@db.local:5432/gateway"
    )
    assert (
        without_password("sqlite+aiosqlite:///var/lib/gw.db") == "sqlite+aiosqlite:///var/lib/gw.db"
    )


async def test_a_run_through_every_plugin_logs_json_only_and_nothing_personal_in_clear(
    tmp_path: Path, database_url: str
) -> None:
    root = logging.getLogger()
    kept, level = root.handlers[:], root.level
    stream = io.StringIO()
    events = list(story_events())
    try:
        async with console_world(tmp_path, database_url) as world:
            configure_logging("DEBUG", "json", stream)
            for event in events:
                assert (await world.portal.post_event(event)).status_code == 202
            for event in events:
                view = await world.portal.wait_settled(event["id"])
                for delivery in view["deliveries"]:
                    for derived in delivery["emitted"]:
                        await world.portal.wait_settled(derived)
            plugins: set[str] = set()
            for event in events:
                chain = [event["id"]]
                while chain:
                    view = (await world.portal.get(f"/v1/events/{chain.pop()}")).json()
                    for delivery in view["deliveries"]:
                        plugins.add(delivery["plugin"])
                        chain += delivery["emitted"]
    finally:
        root.handlers[:] = kept
        root.setLevel(level)
    assert plugins >= {"protocol", "webhook", "genesis", "taxis", "email"}
    records = lines(stream)  # every line parses
    assert len(records) > 20
    assert {r["plugin"] for r in records} & plugins, "no line says which plugin it was for"
    assert {r["event_id"] for r in records} & {e["id"] for e in events}
    text = stream.getvalue()
    for event in events:
        afm = (event["data"].get("citizen") or {}).get("afm")
        if afm:
            assert afm not in text, "an ΑΦΜ in clear"
    assert not EMAIL.search(text), EMAIL.search(text)


def test_serve_in_json_says_what_started_and_that_it_stopped_and_nothing_else(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = config_file(tmp_path, port, f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}", "")
    text = config.read_text().replace(
        'log_level = "WARNING"', 'log_level = "INFO"\nlog_format = "json"\naccess_log = true'
    )
    config.write_text(text.replace('database_url = "sqlite', 'database_url = "sqlite'))
    log = tmp_path / "serve.log"
    process = GatewayProcess(config, port, log)
    process.start()
    httpx.get(f"{process.url}/v1/lookups/debts/EL%20090000045", timeout=5)
    assert process.stop() == 0
    records = [json.loads(line) for line in log.read_text().splitlines()]
    messages = [r["message"] for r in records]
    started = next(m for m in messages if " started: " in m)
    assert __version__ in started and f"127.0.0.1:{port}" in started and "gw.db" in started
    assert any(m.startswith(f"gateway {__version__} stopped") for m in messages)
    access = [r for r in records if r["logger"] == "aiohttp.access"]
    assert access and "090000045" not in log.read_text()
