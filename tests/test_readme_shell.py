"""Issue 13: the README's "run it yourself" shell blocks, run as they are written, in bash.

The first block initialises a folder and starts the mocks and the gateway;
the second posts a signed event with curl. The gateway listens where the
example config says (127.0.0.1:8080), as it would for the reader.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Installing and running it yourself") :]
BLOCKS = re.findall(r"```sh\n(.*?)```", SECTION, flags=re.S)
RUN, POST = BLOCKS[1], BLOCKS[2]


def _env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.mark.slow
def test_the_readme_blocks_run_as_written(tmp_path: Path) -> None:
    assert "gateway init" in RUN and "gateway serve" in RUN and "curl" in POST
    log = (tmp_path / "run.log").open("wb")  # a file, not a pipe: a full pipe would stall serve
    process = subprocess.Popen(
        ["bash", "-e", "-c", RUN],
        cwd=tmp_path,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the mocks and serve stop together
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get("http://127.0.0.1:8080/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = (tmp_path / "run.log").read_text(errors="replace")
                raise AssertionError(f"the gateway did not come up:\n{output}")
            time.sleep(0.2)
        folder = tmp_path / "serres-gateway"
        assert oct((folder / ".env").stat().st_mode)[-3:] == "600"
        same_shell = f"cd {folder}\nset -a; . ./.env; set +a\n"
        posted = subprocess.run(
            ["bash", "-e", "-c", same_shell + POST],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert posted.returncode == 0, posted.stdout + posted.stderr
        answer = json.loads(posted.stdout)
        assert answer["id"] == "evt-readme-0001"
        assert answer["status_url"] == "http://127.0.0.1:8080/v1/events/evt-readme-0001"
        assert answer["deliveries"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
