"""A gateway started as a real OS process (`gateway serve`), for crash and multi-process tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def config_file(folder: Path, port: int, database_url: str, sections: str) -> Path:
    """A gateway config for a real process: listen, database, test auth, then the given sections."""
    from tests.support.settings import OPERATOR_TOKEN, SECRET

    path = folder / f"gateway-{port}.toml"
    path.write_text(
        f"""
[gateway]
listen = "127.0.0.1:{port}"
database_url = "{database_url}"
poll_interval = 0.2
log_level = "WARNING"
[auth]
portal_secrets = ["{SECRET}"]
operator_tokens = ["{OPERATOR_TOKEN}"]
{sections}
"""
    )
    return path


class GatewayProcess:
    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.config = config
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, within: float = 30.0) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(self.config)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ},
        )
        handle.close()
        deadline = time.monotonic() + within
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gateway did not start; log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye, like a power cut of the process."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


async def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`gateway ARGS...` as an operator types it, in a process of its own."""
    import asyncio

    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "gateway.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
