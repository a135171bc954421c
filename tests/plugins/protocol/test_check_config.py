"""`gateway check-config --backends` names the departments ΙΡΙΔΑ cannot resolve, before a citizen files."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from mocks.irida import FakeIrida

ROOT = Path(__file__).resolve().parents[3]


def config(tmp_path: Path, mock: FakeIrida, departments: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(
        f"""
[gateway]
listen = "127.0.0.1:0"
database_url = "sqlite+aiosqlite:///{tmp_path / "g.db"}"
[auth]
portal_secrets = ["whsec_dGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg=="]
[plugins.protocol]
driver = "irida"
url = "{mock.url}"
username = "{mock.username}"
password = "{mock.password}"
[plugins.protocol.departments]
{departments}
[[routes]]
type = "request.submitted"
plugins = ["protocol"]
""",
        encoding="utf-8",
    )
    return path


async def check(path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "gateway.cli", "check-config", str(path), *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


async def test_backends_flag_names_what_irida_cannot_resolve(tmp_path: Path) -> None:
    mock = FakeIrida()
    await mock.start()
    try:
        bad = config(
            tmp_path,
            mock,
            'everyday_report = "Αποθήκη"\nfee_exemption = "Γραφείο Πρωτοκόλλου"\n'
            'document_order = "root:Δήμος Κιλκίς"',
        )
        offline = await check(bad)
        assert offline.returncode == 0, offline.stderr  # the form is right; only ΙΡΙΔΑ knows names
        online = await check(bad, "--backends")
        assert online.returncode == 1, online.stdout + online.stderr
        assert "protocol   FAILED" in online.stdout
        assert "everyday_report: ΙΡΙΔΑ: no inner position named 'Αποθήκη'" in online.stdout
        assert "fee_exemption: ΙΡΙΔΑ: 'Γραφείο Πρωτοκόλλου' names 2 positions" in online.stdout
        assert "document_order: ΙΡΙΔΑ: no root (organisation) 'root:Δήμος Κιλκίς'" in online.stdout
        assert mock.documents == []  # a check never sends

        good = config(tmp_path, mock, 'fee_exemption = "101-1"\neveryday_report = "root:7002"')
        answer = await check(good, "--backends")
        assert answer.returncode == 0, answer.stdout + answer.stderr
        assert "protocol   ok: ΙΡΙΔΑ as profile" in answer.stdout
    finally:
        await mock.stop()
