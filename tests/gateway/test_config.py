from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.assembly import load_settings
from gateway.cli import main
from gateway.config import ConfigError, expand_env, read_toml
from gateway.plugins import PluginHost
from gateway.starter import EXAMPLE_CONFIG
from tests.support.settings import SECRET, build_settings

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_valid_and_documents_every_key() -> None:
    env = {
        "GATEWAY_PORTAL_SECRET": SECRET,
        "GATEWAY_PORTAL_TOKEN": "p" * 20,
        "GATEWAY_OPERATOR_TOKEN": "o" * 20,
        "TAXIS_USERNAME": "user",
        "TAXIS_PASSWORD": "pass",
        "IRIDA_USERNAME": "user",
        "IRIDA_PASSWORD": "pass",
        "ASEP_TOKEN": "asep-token",
        "GATEWAY_FOLLOW_SECRET": "f" * 32,
    }
    settings = load_settings(str(EXAMPLE_CONFIG), environ=env)
    text = EXAMPLE_CONFIG.read_text()
    assert "\n[gateway.server]\n" in text
    for section in (
        settings.gateway,
        settings.auth,
        settings.gateway.server,
        settings.console,
        settings.telemetry,
        settings.digest,
    ):
        for key in type(section).model_fields:
            if key != "server":  # a key that is best left unset is shown commented out
                documented = f"\n{key} =" in text or f"\n# {key} =" in text
                assert documented, f"gateway.example.toml does not document {key}"
    for name, plugin in settings.plugins.items():
        for key in type(plugin).model_fields:
            if key not in ("retry", "breaker"):
                documented = f"{key} =" in text or f"[plugins.{name}.{key}]" in text
                assert documented, f"[plugins.{name}] key {key} is not documented"
        for key in type(plugin.retry).model_fields:
            assert f"{key} =" in text
        for key in type(plugin.breaker).model_fields:
            assert f"{key} =" in text


def test_console_settings_with_wrong_values_are_named(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        '[console]\nenabled = "yes please"\nsession_secret = "short"\nidle_minutes = 0\n'
        "hold_minutes = -1\nfailed_logins = 0\ncolour = 1\n",
    )
    text = "\n".join(problems)
    for key in ("enabled", "session_secret", "idle_minutes", "hold_minutes", "failed_logins"):
        assert f"console.{key}" in text, text
    assert "console.colour" in text and "unknown" in text.lower()


def test_a_console_nobody_can_sign_in_to_is_warned_of() -> None:
    from gateway.config import config_warnings

    settings = build_settings("sqlite+aiosqlite://", {}, [])
    on = settings.model_copy(
        update={"console": settings.console.model_copy(update={"enabled": True})}
    )
    assert any(w.path == "console.enabled" for w in config_warnings(on))
    assert not any(w.path == "console.enabled" for w in config_warnings(settings))


def test_env_expansion_and_missing_variable_named() -> None:
    value, problems = expand_env({"a": {"b": "x-${ONE}-${TWO}"}, "l": ["${ONE}"]}, {"ONE": "1"})
    assert value == {"a": {"b": "x-1-"}, "l": ["1"]}
    assert [str(p) for p in problems] == ["a.b: environment variable TWO is not set"]


def _problems(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path), environ=environ or {})
    return [str(p) for p in caught.value.problems]


def test_every_problem_is_reported_with_its_key_path(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
[gateway]
listen = "nowhere"
database_url = "mysql://x"
max_body_bytes = "big"
colour = "blue"

[auth]
portal_secrets = ["not-a-secret"]
portal_tokens = ["${MISSING_TOKEN}"]
""",
    )
    joined = "\n".join(problems)
    for expected in [
        "auth.portal_tokens[0], line 10: environment variable MISSING_TOKEN is not set",
        "gateway.listen, line 3: must be HOST:PORT",
        "gateway.database_url, line 4:",
        "gateway.max_body_bytes, line 5: must be a whole number",
        "gateway.colour, line 6: unknown key",
        "auth.portal_secrets, line 9:",
    ]:
        assert expected in joined, joined


def test_plugin_section_problems_have_paths(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """
[plugins.webhook]
url = "ftp://x"
retyr = 3
[plugins.webhook.retry]
max_attempts = 0

[plugins.nosuch]
enabled = true

[[routes]]
type = "request.exploded"
plugins = ["webhook", "ghost"]
""",
    )
    joined = "\n".join(problems)
    for expected in [
        "plugins.webhook.url, line 3:",
        "plugins.webhook.retyr, line 4: unknown key (did you mean 'retry'?)",
        "plugins.webhook.retry.max_attempts, line 6: must be at least 1",
        "plugins.nosuch, line 8: no installed plugin is named 'nosuch'",
        "[[routes]] #1 type, line 12: unknown event type 'request.exploded'",
        "[[routes]] #1 plugins[1], line 13: no [plugins.ghost] section",
    ]:
        assert expected in joined, joined


def test_disabled_unknown_plugin_is_kept_quietly(tmp_path: Path) -> None:
    path = tmp_path / "ok.toml"
    path.write_text("[plugins.future]\nenabled = false\nanything = 1\n")
    settings = load_settings(str(path), environ={})
    assert settings.enabled_plugins() == {}


def test_toml_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("[gateway\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(tmp_path / "x.toml")
    with pytest.raises(ConfigError, match="no such file"):
        read_toml(tmp_path / "missing.toml")


def test_check_config_command(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(f'[auth]\nportal_secrets = ["{SECRET}"]\noperator_tokens = ["{"o" * 20}"]\n')
    result = CliRunner().invoke(main, ["check-config", str(good)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output

    bad = tmp_path / "bad.toml"
    bad.write_text('[gateway]\nlisten = "x"\nnope = 1\n')
    result = CliRunner().invoke(main, ["check-config", str(bad)])
    assert result.exit_code == 2
    assert "gateway.listen, line 2:" in result.output
    assert "gateway.nope, line 3: unknown key" in result.output


def test_plugin_that_fails_to_import_is_named(sqlite_url: str) -> None:
    host = PluginHost(extra={})
    host._entry_points["broken"] = type(
        "EP", (), {"load": staticmethod(lambda: 1 / 0), "value": "x", "dist": None}
    )()  # type: ignore[assignment]
    with pytest.raises(
        ConfigError, match=r"plugins.broken: plugin 'broken': import failed: ZeroDivisionError"
    ):
        build_settings(sqlite_url, plugins={"broken": {}}, host=host)


def test_reconciliation_section(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, '[reconciliation]\nenabled = "often"\nat = "25:00"\ncolour = "red"\n'
    )
    assert any(p.startswith("reconciliation.enabled") for p in problems), problems
    assert any(p.startswith("reconciliation.at") and "HH:MM" in p for p in problems), problems
    assert any(p.startswith("reconciliation.colour") for p in problems), problems
    good = tmp_path / "good.toml"
    good.write_text('[reconciliation]\nenabled = true\nat = "6:05"\nreport_dir = "out"\n')
    settings = load_settings(str(good), environ={})
    assert settings.reconciliation.at == "06:05"
    assert settings.reconciliation.report_dir == str(tmp_path / "out")  # beside the config file


def test_telemetry_settings_with_wrong_values_are_named(tmp_path: Path) -> None:
    import importlib.util

    problems = "\n".join(
        _problems(
            tmp_path, '[telemetry]\nenabled = "maybe"\nexporter = "jaeger"\nservice_name = ""\n'
        )
    )
    for key in ("enabled", "exporter", "service_name"):
        assert f"telemetry.{key}" in problems, problems
    if importlib.util.find_spec("opentelemetry.exporter") is None:
        otlp = "\n".join(_problems(tmp_path, '[telemetry]\nenabled = true\nexporter = "otlp"\n'))
        assert "otlp extra" in otlp, otlp


def test_digest_settings_with_wrong_values_are_named(tmp_path: Path) -> None:
    problems = "\n".join(
        _problems(
            tmp_path,
            '[digest]\nto = ["not an address", "it@serres.gr"]\nat = "7.30"\n'
            'departments = { treasury = ["x@"] }\n',
        )
    )
    for key in ("digest.to", "digest.at", "digest.departments"):
        assert key in problems, problems
    assert "'not an address' is not an e-mail address" in problems


def test_a_digest_that_cannot_be_sent_is_warned_of() -> None:
    from gateway.config import config_warnings

    settings = build_settings("sqlite+aiosqlite://", {}, [])
    on = settings.model_copy(
        update={
            "digest": settings.digest.model_copy(
                update={"enabled": True, "to": [], "departments": {"nowhere": ["a@b.gr"]}}
            )
        }
    )
    paths = {w.path for w in config_warnings(on)}
    assert {"digest.enabled", "digest.departments.nowhere"} <= paths
    nobody = on.model_copy(update={"digest": on.digest.model_copy(update={"departments": {}})})
    assert "digest.to" in {w.path for w in config_warnings(nobody)}


def test_a_log_format_that_is_neither_text_nor_json_is_named(tmp_path: Path) -> None:
    problems = "\n".join(
        _problems(tmp_path, '[gateway]\nlog_format = "xml"\naccess_log = "maybe"\n')
    )
    assert 'gateway.log_format, line 2: must be "text" or "json"' in problems, problems
    assert "gateway.access_log" in problems
