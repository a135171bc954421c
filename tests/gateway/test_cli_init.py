"""Issue 13: `gateway init` writes a working folder; `gateway sign` signs as the portal must;
`[gateway] public_url` makes status_url absolute."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from gateway.cli import main
from gateway.signature import verify
from tests.support.events import example
from tests.support.settings import SECRET, build_settings


def test_init_writes_a_config_that_checks_and_secrets_only_the_owner_reads(tmp_path: Path) -> None:
    folder = tmp_path / "gw"
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    env_file = folder / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = dict(
        line.split("=", 1)
        for line in env_file.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert values["GATEWAY_PORTAL_SECRET"].startswith("whsec_")
    assert values["GATEWAY_CONFIG"] == str(folder / "gateway.toml")
    assert f"sqlite+aiosqlite:///{folder / 'gateway.db'}" in (folder / "gateway.toml").read_text()
    assert (folder / "taxis-affected-kad.sample.toml").exists()
    assert "ProtectSystem=strict" in (folder / "municipal-gateway.service").read_text()
    assert "GatewayBreakerOpen" in (folder / "prometheus-alerts.yml").read_text()
    assert '"uid": "municipal-gateway"' in (folder / "grafana-dashboard.json").read_text()
    checked = runner.invoke(main, ["check-config"], env=values)
    assert checked.exit_code == 0, checked.output
    assert "gateway serve" in result.output and "set -a; . ./.env; set +a" in result.output


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    before = (tmp_path / ".env").read_text()
    again = runner.invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 2 and "already there" in again.output
    assert (tmp_path / ".env").read_text() == before
    forced = runner.invoke(main, ["init", "--force", str(tmp_path)])
    assert forced.exit_code == 0 and (tmp_path / ".env").read_text() != before


def test_two_inits_get_different_secrets(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path / "a")])
    runner.invoke(main, ["init", str(tmp_path / "b")])
    assert (tmp_path / "a" / ".env").read_text() != (tmp_path / "b" / ".env").read_text()


def test_sign_prints_headers_the_gateway_accepts(tmp_path: Path) -> None:
    body = b'{"id": "evt-sign-1", "type": "request.submitted"}'
    (tmp_path / "event.json").write_bytes(body)
    result = CliRunner().invoke(main, ["sign", "--secret", SECRET, str(tmp_path / "event.json")])
    assert result.exit_code == 0, result.output
    headers = dict(line.split(": ", 1) for line in result.output.splitlines())
    assert headers["webhook-id"] == "evt-sign-1"
    verify(headers, body, [SECRET])
    bad = CliRunner().invoke(main, ["sign", "--secret", "nope", str(tmp_path / "event.json")])
    assert bad.exit_code == 2


async def test_public_url_makes_status_url_absolute(start_gateway, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    settings = build_settings(sqlite_url, public_url="https://gateway.serres.gr/")
    portal, _app = await start_gateway(settings)
    event = example("request.submitted")
    answer = (await portal.post_event(event)).json()
    assert answer["status_url"] == f"https://gateway.serres.gr/v1/events/{event['id']}"
