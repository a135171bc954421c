"""Issue 13: the systemd unit `gateway init` writes is hardened, and systemd itself finds nothing wrong with it."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.starter import SYSTEMD_UNIT

UNIT = SYSTEMD_UNIT


def _service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser["Service"]


def test_the_unit_is_hardened() -> None:
    service = _service()
    assert service["DynamicUser"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == "/var/lib/municipal-gateway"
    assert service["NoNewPrivileges"] == "yes" and service["PrivateTmp"] == "yes"
    assert service["KillSignal"] == "SIGTERM"  # stop drains
    assert "kill -HUP" in service["ExecReload"]  # reload re-reads [auth] and log_level
    assert service["EnvironmentFile"].endswith(".env")


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    gateway = Path(sys.executable).parent / "gateway"  # the unit's ExecStart, as installed here
    unit = tmp_path / "municipal-gateway.service"
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace("/opt/municipal-gateway/bin/gateway", str(gateway))
    )
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in (done.stdout + done.stderr).splitlines() if unit.name in line]
    assert done.returncode == 0 and complaints == [], done.stdout + done.stderr
