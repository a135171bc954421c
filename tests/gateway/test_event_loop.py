"""The serving loop: uvloop where installed, asyncio's own on request, a clear refusal otherwise."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from gateway.devtools.ports import free_port
from gateway.event_loop import EventLoopUnavailable, loop_factory, run, running_loop_name
from tests.gateway.test_config import _problems
from tests.support.process import GatewayProcess
from tests.support.settings import SECRET


async def _which() -> str:
    await asyncio.sleep(0)
    return running_loop_name()


def test_auto_runs_on_uvloop_where_it_is_installed_and_asyncio_on_request() -> None:
    assert run(_which, "auto") == "uvloop"  # a dependency on every platform but Windows
    assert run(_which, "uvloop") == "uvloop"
    assert run(_which, "asyncio") == "asyncio"


def test_without_uvloop_auto_falls_back_and_uvloop_is_refused_with_the_way_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what an import finds on Windows
    assert loop_factory("auto") is None  # asyncio's own loop
    assert run(_which, "auto") == "asyncio"
    with pytest.raises(EventLoopUnavailable, match='event_loop = "auto" or "asyncio"'):
        loop_factory("uvloop")


def test_an_unknown_loop_is_named_with_its_line(tmp_path: Path) -> None:
    problems = "\n".join(_problems(tmp_path, '[gateway]\nevent_loop = "trio"\n'))
    assert 'gateway.event_loop, line 2: must be "auto", "uvloop" or "asyncio"' in problems


@pytest.mark.parametrize(
    ("setting", "loop"), [("", "uvloop"), ('event_loop = "asyncio"', "asyncio")]
)
def test_serve_says_which_loop_it_runs_on(tmp_path: Path, setting: str, loop: str) -> None:
    port = free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f"""
[gateway]
listen = "127.0.0.1:{port}"
database_url = "sqlite+aiosqlite:///{tmp_path / "gateway.db"}"
{setting}
[auth]
portal_secrets = ["{SECRET}"]
"""
    )
    gateway = GatewayProcess(config, port, tmp_path / "gateway.log")
    gateway.start()
    assert gateway.stop() == 0
    started = [line for line in gateway.log.read_text().splitlines() if " started: " in line]
    assert len(started) == 1 and f"; event loop {loop};" in started[0], started
