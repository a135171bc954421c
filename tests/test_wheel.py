"""Issue 13: the wheel works anywhere: built, installed without extras into a fresh venv, and run
(init, check-config, demo) from a folder outside the checkout.

The editable install of the checkout hides what a wheel lacks (contracts,
templates, the example config); this installs as a municipality would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.devtools.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, (
        f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout + done.stderr


def _clean_copy(target: Path) -> Path:
    """The checkout's files without build/ or *.egg-info: a stale SOURCES.txt from the editable
    install would otherwise carry files into the wheel that package-data forgot."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for relative in listed:
        origin = ROOT / relative
        if origin.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / relative)
    return target


def _console_answers(elsewhere: Path, env: dict[str, str]) -> None:
    """`gateway serve` from the wheel serves the console's pages and stylesheet (package data)."""
    port = free_port()
    config = elsewhere / "serres" / "gateway.toml"
    config.write_text(
        config.read_text().replace('listen = "127.0.0.1:8080"', f'listen = "127.0.0.1:{port}"')
    )
    serving = subprocess.Popen(
        ["bash", "-c", "cd serres && set -a && . ./.env && set +a && exec gateway serve"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/console/login", timeout=5)
                break
            except httpx.TransportError:
                assert serving.poll() is None, serving.stderr.read() if serving.stderr else ""
                assert time.monotonic() < deadline, "the served gateway never answered"
                time.sleep(0.2)
        assert page.status_code == 200 and 'lang="el"' in page.text and "Σύνδεση" in page.text
        sheet = httpx.get(f"http://127.0.0.1:{port}/console/static/console.css", timeout=5)
        assert sheet.status_code == 200 and ":focus-visible" in sheet.text
    finally:
        serving.terminate()
        serving.communicate(timeout=30)


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    wheels = tmp_path / "wheels"
    source = _clean_copy(tmp_path / "source")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        tmp_path,
        env,
    )
    (wheel,) = wheels.glob("municipal_gateway-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    _run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], tmp_path, env)  # no extras
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    gateway = str(venv / "bin" / "gateway")
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    _run([gateway, "init", "serres"], elsewhere, env)
    assert (
        "ProtectSystem=strict" in (elsewhere / "serres" / "municipal-gateway.service").read_text()
    )
    # the ops files of deploy/ come with the wheel too
    assert "GatewayBreakerOpen" in (elsewhere / "serres" / "prometheus-alerts.yml").read_text()
    checked = _run(
        ["bash", "-e", "-c", "cd serres && set -a && . ./.env && set +a && gateway check-config"],
        elsewhere,
        env,
    )
    assert (
        "OK" in checked and "enabled plugins: webhook, taxis, genesis, protocol, email" in checked
    )
    demo = _run([gateway, "demo"], elsewhere, env)
    assert "every application and payment went all the way" in demo
    _console_answers(elsewhere, env)
    # nothing of the checkout was on the path: the installed package answered
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import gateway; print(gateway.__file__)"],
        elsewhere,
        env,
    )
    assert str(venv) in where and str(ROOT) not in where
    print(f"wheel test wall time: {time.monotonic() - started:.1f} s")
