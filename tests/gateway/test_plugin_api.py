"""`gateway.plugin_api` is the one door from a plugin into the core, and it changes only on purpose.

Modelled on httpx's tests/test_exported_members.py: the list below is the
promise; adding or removing a name is a change to the plugin surface.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import gateway.plugin_api as plugin_api
from gateway.starter import EXAMPLE_CONFIG

ROOT = Path(__file__).resolve().parents[2]

EXPORTED = {
    "DONE",
    "SENDING",
    "AnswerTooLarge",
    "BackendAnswer",
    "BackendSession",
    "Cache",
    "ConfigurationError",
    "ConfirmField",
    "ConnectionFailed",
    "Connector",
    "DeliveryResult",
    "Emit",
    "Event",
    "GatewayError",
    "Health",
    "HealthCheck",
    "InvalidInputError",
    "LedgerEntry",
    "Mailer",
    "Lookup",
    "LookupHandler",
    "MockServer",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentLedger",
    "PermanentError",
    "PluginContext",
    "PluginSettings",
    "RequestType",
    "RestBackend",
    "SendLog",
    "SendRecords",
    "SettlesByHand",
    "SoapService",
    "ThrottledError",
    "TransientError",
    "afm_problem",
    "backend_span",
    "config_relative",
    "backend_client",
    "backend_message",
    "current_traceparent",
    "first_bytes",
    "hookimpl",
    "http_failures_as",
    "http_refusal",
    "is_redirect",
    "last_status",
    "mark_backend_call",
    "mask",
    "normalize_afm",
    "normalize_rf",
    "rf_for",
    "retry_after_seconds",
    "rf_problem",
    "settings_client",
    "signed_headers",
}


def test_all_is_the_promised_surface() -> None:
    assert set(plugin_api.__all__) == EXPORTED
    assert len(plugin_api.__all__) == len(EXPORTED), "a name is listed twice in __all__"


def test_every_exported_name_exists() -> None:
    missing = [name for name in plugin_api.__all__ if not hasattr(plugin_api, name)]
    assert missing == []


def test_every_public_name_is_exported() -> None:
    """A name defined or imported in plugin_api without `_` is a promise: it must be in __all__."""
    tree = ast.parse(Path(plugin_api.__file__).read_text(encoding="utf-8"))
    public = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gateway"):
            public |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            public.add(node.name)
        elif isinstance(node, ast.Assign):
            public |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    public = {name for name in public if not name.startswith("_")}
    assert public - EXPORTED == set()


def _gateway_imports(path: Path) -> list[tuple[int, str]]:
    """Every `gateway...` module a file imports, with its line: at the top, inside functions, typed."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.split(".")[0] == "gateway"]


def test_plugins_import_only_the_plugin_api() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / "plugins").rglob("*.py"))
        for line, name in _gateway_imports(path)
        if name != "gateway.plugin_api"
    ]
    assert wrong == [], "plugins reach the core only through gateway.plugin_api"


def test_the_guard_sees_a_wrong_import(tmp_path: Path) -> None:
    """The scan above finds imports wherever they stand: at the top, in a function, under TYPE_CHECKING."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from gateway.plugin_api import Event\n"
        "import gateway.store\n"
        "if TYPE_CHECKING:\n    from gateway.store.cache import Cache\n"
        "def f():\n    from gateway.errors import PermanentError\n"
    )
    names = [name for _line, name in _gateway_imports(sample)]
    assert names == ["gateway.plugin_api", "gateway.store", "gateway.store.cache", "gateway.errors"]


def test_hookspecs_name_no_mock() -> None:
    hookspecs = ROOT / "gateway" / "hookspecs.py"
    assert {name for _line, name in _gateway_imports(hookspecs)} == {"gateway.plugin_api"}
    assert re.search(r"\bmocks\.\w", hookspecs.read_text(encoding="utf-8")) is None


SERVE_IMPORTS = """
import sys
from pathlib import Path
from gateway.app import create_app
from gateway.assembly import assemble_file
env = {"GATEWAY_PORTAL_SECRET": "whsec_dGVzdC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg==",
       "GATEWAY_PORTAL_TOKEN": "t" * 24, "GATEWAY_OPERATOR_TOKEN": "o" * 24,
       "TAXIS_USERNAME": "u", "TAXIS_PASSWORD": "p", "IRIDA_USERNAME": "u", "IRIDA_PASSWORD": "p",
       "ASEP_TOKEN": "a", "GATEWAY_FOLLOW_SECRET": "f" * 32}
parts = assemble_file(Path(sys.argv[1]), environ=env)
create_app(parts)
for context in parts.contexts().values():
    parts.host.connector(context)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("mocks", "aiosmtpd")
                or m.startswith("gateway.devtools"))
print(",".join(loaded))
"""


def test_serving_loads_no_mock_and_no_dev_tool() -> None:
    """What `gateway serve` builds (the app, every plugin's connector) leaves mocks and tools unloaded."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE_IMPORTS, str(EXAMPLE_CONFIG)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "", f"serve loaded: {done.stdout.strip()}"
