"""Issue 13: check-config reports every problem of every section in one run, with its line, in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.assembly import assemble_file
from gateway.cli import main
from gateway.config import ConfigError
from gateway.config_lines import key_lines, line_of
from gateway.config_sections import url_problem
from gateway.config_words import did_you_mean
from tests.support.settings import SECRET

TEN_MISTAKES = """\
[gateway]
listen = "127.0.0.1:99999"
max_body_bytes = "big"

[auth]
portal_secrets = ["whsec_short"]
operator_tokens = ["${EMPTY}"]

[plugins.webhook]
url = "gsis.gr"
retyr = 3

[plugins.taxis]
url = "https://www1.gsis.gr/wsaade/RgWsPublic2/RgWsPublic2"
username = "u"
password = ""

[plugins.genessis]
url = "http://127.0.0.1:9003/genesis"

[[routes]]
type = "request.submited"
plugins = ["webhook"]

[[routes]]
type = "payment.completed"
plugins = ["webhok"]
"""

EXPECTED = [
    "gateway.listen, line 2: must be HOST:PORT",
    "gateway.max_body_bytes, line 3: must be a whole number",
    "auth.portal_secrets, line 6: ",
    "auth.operator_tokens, line 7: a token needs at least 16 characters",
    "plugins.webhook.url, line 10: must start with http:// or https://",
    "plugins.webhook.retyr, line 11: unknown key (did you mean 'retry'?)",
    "plugins.taxis.password, line 16: the password is empty",
    "plugins.genessis, line 18: no installed plugin is named 'genessis' (did you mean 'genesis'?)",
    "[[routes]] #1 type, line 22: unknown event type 'request.submited' (did you mean 'request.submitted'?)",
    "[[routes]] #2 plugins[0], line 27: no [plugins.webhok] section (did you mean 'webhook'?)",
]


def test_ten_seeded_mistakes_are_all_reported_in_one_run(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(TEN_MISTAKES, encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)], env={"EMPTY": ""})
    assert result.exit_code == 2
    lines = [line.strip() for line in result.output.splitlines()[1:]]
    assert len(lines) == 10, result.output
    for expected, line in zip(EXPECTED, lines, strict=True):
        assert line.startswith(expected), (expected, line)
    assert "10 problem(s)" in result.output.splitlines()[0]
    assert "Value error" not in result.output and "Input should be" not in result.output


def test_gateway_config_names_the_file_for_every_command(tmp_path: Path) -> None:
    config = tmp_path / "somewhere.toml"
    config.write_text(f'[auth]\nportal_secrets = ["{SECRET}"]\noperator_tokens = ["{"o" * 20}"]\n')
    runner = CliRunner()
    for args in (
        ["check-config"],
        ["check-config", "--config", str(config)],
        ["check-config", str(config)],
    ):
        env = {"GATEWAY_CONFIG": str(config)} if args == ["check-config"] else {}
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "gsis.gr",
        "ftp://x.gr/",
        "http://x.gr:99999/",
        "http://x .gr/",
        " http://x.gr",
        "http:///path",
    ],
)
def test_bad_urls_are_named(url: str) -> None:
    assert url_problem(url, ("http", "https")) is not None


@pytest.mark.parametrize("url", ["http://127.0.0.1:9001/events", "https://www1.gsis.gr/wsaade/x"])
def test_good_urls_pass(url: str) -> None:
    assert url_problem(url, ("http", "https")) is None


@pytest.mark.parametrize(
    ("plugin", "key", "value"),
    [
        ("taxis", "url", "www1.gsis.gr"),
        ("genesis", "url", "http://genesis .local/x"),
        ("protocol", "url", "ftp://irida"),
        ("webhook", "health_url", "localhost:9001/health"),
        ("email", "url", "http://mail.serres.gr"),
    ],
)
def test_every_url_key_of_every_plugin_is_checked(
    tmp_path: Path, plugin: str, key: str, value: str
) -> None:
    from gateway.starter import ASEP_FIELDS, EXAMPLE_CONFIG

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    section = f"[plugins.{plugin}]\n"
    start = text.index(section) + len(section)
    config = tmp_path / "gateway.toml"
    config.write_text(
        text[:start]
        + f'{key} = "{value}"\n'
        + text[start:].replace(f"\n{key} =", f"\n# {key} =", 1)
    )
    (tmp_path / "taxis-affected-kad.sample.toml").write_text(
        (EXAMPLE_CONFIG.parent / "taxis-affected-kad.sample.toml").read_text(encoding="utf-8")
    )
    (tmp_path / "request-types").mkdir()
    (tmp_path / "request-types" / ASEP_FIELDS.name).write_bytes(ASEP_FIELDS.read_bytes())
    env = {
        n: "x" * 20
        for n in (
            "GATEWAY_PORTAL_TOKEN",
            "GATEWAY_OPERATOR_TOKEN",
            "TAXIS_USERNAME",
            "TAXIS_PASSWORD",
            "IRIDA_USERNAME",
            "IRIDA_PASSWORD",
            "ASEP_TOKEN",
        )
    }
    env["GATEWAY_FOLLOW_SECRET"] = "f" * 32
    env["GATEWAY_PORTAL_SECRET"] = SECRET
    with pytest.raises(ConfigError) as caught:
        assemble_file(config, environ=env)
    assert any(p.path == f"plugins.{plugin}.{key}" for p in caught.value.problems), caught.value


def test_lines_follow_tables_and_counted_routes() -> None:
    lines = key_lines(
        'a = 1\n[gateway]\nlisten = "x"\n[[routes]]\ntype = "t"\n[[routes]]\n# c\ntype = "u"\n'
    )
    assert lines["a"] == 1 and lines["gateway.listen"] == 3
    assert lines["routes[0].type"] == 5 and lines["routes[1]"] == 6 and lines["routes[1].type"] == 8
    assert line_of("routes[1].plugins[0]", lines) == 6
    assert line_of("nowhere.at.all", lines) is None


def test_did_you_mean_only_when_close() -> None:
    assert did_you_mean("webhok", ["webhook", "email"]) == " (did you mean 'webhook'?)"
    assert did_you_mean("zzz", ["webhook", "email"]) == ""


def test_staff_sections_are_checked_with_their_lines(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        "[departments.revenue]\n"
        'name = "Τμήμα Εσόδων"\n'
        "[departments.Bad-Name]\n"
        'name = "x"\n'
        "[operators.maria]\n"
        'role = "boss"\n'
        'departments = ["revenu"]\n'
        'token_hash = "plain-text-token"\n'
        "[operators.nikos]\n"
        'role = "viewer"\n'
        "colour = 1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 2
    out = result.output
    assert "departments.Bad-Name, line 3: a name is lower-case letters, digits, - and _" in out
    assert "operators.maria.role, line 6: must be one of viewer, operator, admin" in out
    assert (
        "operators.maria.departments[0], line 7: no [departments.revenu] section "
        "(did you mean 'revenue'?)" in out
    )
    assert "operators.maria.token_hash, line 8: must be an argon2id hash" in out
    assert "operators.nikos.colour, line 11: unknown key" in out
