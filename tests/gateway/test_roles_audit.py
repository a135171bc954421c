"""Issue 14, points 1-3: named operators by role, each action audited allowed or refused; the chain.

Every role tries every action; the audit log then holds one entry per
attempt at an action, with who, what and how it ended. On both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from gateway import appkeys
from gateway.cli import main
from gateway.operators import hash_secret, new_token
from gateway.store import audit
from tests.support.events import example
from tests.support.process import run_cli
from tests.support.settings import OPERATOR_TOKEN, PORTAL_TOKEN, build_settings

TOKENS = {login: new_token(login) for login in ("viv", "olga", "adam")}
HASHES = {login: hash_secret(token) for login, token in TOKENS.items()}
ROLES = {"viv": "viewer", "olga": "operator", "adam": "admin"}
RANK = {"viewer": 1, "operator": 2, "admin": 3}
RESTORE_POSTGRES_GUARD = (
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
)

# (method, path, body, the least role, the audited action or None)
ACTIONS: list[tuple[str, str, dict[str, Any] | None, str, str | None]] = [
    ("GET", "/v1/events", None, "viewer", None),
    ("GET", "/v1/dead-letters", None, "viewer", None),
    ("GET", "/v1/health", None, "viewer", None),
    ("GET", "/v1/audit", None, "operator", None),
    ("POST", "/v1/events/{id}/replay", None, "operator", "replay"),
    ("POST", "/v1/events/{id}/deliveries/webhook/release", {"reason": "r"}, "operator", "release"),
    ("POST", "/v1/dead-letters/replay", {"expect_count": 0}, "operator", "bulk_replay"),
    (
        "POST",
        "/v1/dead-letters/dismiss",
        {"expect_count": 0, "reason": "r"},
        "operator",
        "bulk_dismiss",
    ),
    ("POST", "/v1/plugins/webhook/pause", {"reason": "upgrade"}, "admin", "pause"),
    ("POST", "/v1/plugins/webhook/resume", None, "admin", "resume"),
    ("POST", "/v1/events/{id}/purge", {"reason": "citizen asked"}, "admin", "purge"),
]
WHO = {
    "viv": TOKENS["viv"],
    "olga": TOKENS["olga"],
    "adam": TOKENS["adam"],
    "operator-token": OPERATOR_TOKEN,  # the legacy list: an anonymous admin
    "portal": PORTAL_TOKEN,
    "anonymous": None,
}


@pytest.fixture
async def gateway(start_gateway, database_url, receiver):  # type: ignore[no-untyped-def]
    settings = build_settings(
        database_url,
        {"webhook": {"url": receiver.url + "/events"}},
        [{"type": "request.submitted", "plugins": ["webhook"]}],
        operators={login: {"role": ROLES[login], "token_hash": HASHES[login]} for login in ROLES},
    )
    return await start_gateway(settings)


def _allowed(who: str, least: str) -> bool:
    role = "admin" if who == "operator-token" else ROLES.get(who)
    return role is not None and RANK[role] >= RANK[least]


async def test_every_role_tries_every_action_and_each_attempt_is_audited(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, app = gateway
    event = example("request.submitted")
    await portal.post_event(event)
    await portal.wait_settled(event["id"])
    expected_entries = []
    for who, token in WHO.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for method, path, body, least, action in ACTIONS:
            url = portal.base_url + path.format(id=event["id"])
            answer = await portal.client.request(method, url, json=body, headers=headers)
            if token is None:
                assert answer.status_code == 401, (who, path)
            elif _allowed(who, least):
                assert answer.status_code not in (401, 403), (who, path, answer.text)
            else:
                assert answer.status_code == 403, (who, path, answer.status_code)
            if action is not None:
                refused = answer.status_code in (401, 403)
                expected_entries.append((who, action, "refused" if refused else None))
    logged = await audit.entries(app[appkeys.STORE], limit=1000)
    seen = [(e["actor"], e["action"], e["outcome"]) for e in reversed(logged)]
    assert len(seen) == len(expected_entries)
    for (who, action, outcome), (actor, logged_action, logged_outcome) in zip(
        expected_entries, seen, strict=True
    ):
        assert (actor, logged_action) == (who, action)
        if outcome == "refused":
            assert logged_outcome == "refused"
        else:
            assert logged_outcome in ("done", "failed")
    pause = next(e for e in logged if e["action"] == "pause" and e["actor"] == "adam")
    assert pause["actor"] == "adam" and pause["reason"] == "upgrade" and pause["role"] == "admin"
    assert (await audit.verify(app[appkeys.STORE]))[1] is None


async def test_a_wrong_secret_for_a_known_login_is_refused(gateway) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    for token in ("olga.wrong-secret", "nobody.x", "olga", TOKENS["olga"] + "x"):
        answer = await portal.client.get(
            f"{portal.base_url}/v1/events", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 401, token


async def test_audit_verify_names_the_row_edited_with_sql(gateway, tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    _portal, app = gateway
    store = app[appkeys.STORE]
    for n in range(4):
        await audit.record(store, audit.Entry("olga", "operator", "replay", {"n": n}, "done"))
    checked, broken, _why = await audit.verify(store)
    assert (checked, broken) == (4, None)
    async with store.write() as connection:  # append-only: a plain UPDATE is refused
        with pytest.raises(Exception, match="append-only"):
            await connection.exec_driver_sql("UPDATE audit_log SET reason = 'x' WHERE seq = 2")
    async with store.write() as connection:  # a tamperer drops the guard first
        if store.is_sqlite:
            await connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        else:
            await connection.exec_driver_sql("DROP TRIGGER audit_log_no_change ON audit_log")
        await connection.exec_driver_sql(
            "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3"
        )
        if not store.is_sqlite:  # the test database is shared: put the guard back
            await connection.exec_driver_sql(RESTORE_POSTGRES_GUARD)
    checked, broken, why = await audit.verify(store)
    assert (checked, broken) == (2, 3) and "changed" in why
    config = tmp_path / "g.toml"
    config.write_text(f'[gateway]\ndatabase_url = "{database_url}"\n')
    result = await run_cli("audit", "verify", "--config", str(config))
    assert result.returncode == 1 and "entry #3" in result.stderr


def test_operators_hash_makes_a_token_that_resolves() -> None:
    result = CliRunner().invoke(main, ["operators", "hash", "--new-token", "maria"])
    assert result.exit_code == 0
    token = result.output.split(": ", 1)[1].splitlines()[0]
    assert token.startswith("maria.")
    assert '[operators.maria]\ntoken_hash = "$argon2id$' in result.output


async def test_cli_actions_are_audited_too(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    from gateway.store import open_store

    config = tmp_path / "g.toml"
    config.write_text(
        f'[gateway]\ndatabase_url = "{database_url}"\n'
        '[plugins.webhook]\nurl = "http://127.0.0.1:9/events"\n'
    )
    paused = await run_cli(
        "plugin", "pause", "webhook", "--reason", "night work", "--config", str(config)
    )
    assert paused.returncode == 0, paused.stderr
    resumed = await run_cli("plugin", "resume", "webhook", "--config", str(config))
    assert resumed.returncode == 0, resumed.stderr
    store = await open_store(database_url)
    try:
        logged = await audit.entries(store)
    finally:
        await store.close()
    assert [(e["action"], e["outcome"]) for e in logged[:2]] == [
        ("resume", "done"),
        ("pause", "done"),
    ]
    assert logged[1]["actor"].startswith("cli:") and logged[1]["reason"] == "night work"


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2026-12-01T00:00:00",
        "limit=²",
        "limit=0",
        "limit=1001",
        "actor=a%00b",
    ],
)
async def test_bad_audit_queries_are_400(gateway, query: str) -> None:  # type: ignore[no-untyped-def]
    portal, _app = gateway
    answer = await portal.client.get(
        f"{portal.base_url}/v1/audit?{query}", headers={"Authorization": f"Bearer {TOKENS['adam']}"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["type"] == "/problems/bad-parameter"
