"""docs/architecture.md is the map of gateway/, and the code keeps to its import rules.

Every module is on the map and every module on the map exists; each module
imports only what its row's last column allows; nothing in gateway/ imports
a mock or a plugin; and servers are reached through aiohttp's public API.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(gateway/[\w/.]+)` \| .+ \| (.+) \|$", re.M)
WORDS = {
    "states": ("gateway.states",),
    "errors": ("gateway.errors",),
    "store": ("gateway.store",),
    "plugin_kit": ("gateway.plugin_kit",),
    "plugin_api": ("gateway.plugin_api",),
    "devtools": ("gateway.devtools",),
    "domain": ("gateway.domain",),
}


def _rows() -> dict[str, str]:
    return {path: rule for path, rule in ROW.findall(MAP)}


def _modules() -> list[str]:
    found = []
    for path in sorted((ROOT / "gateway").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        found.append(relative)
    return found


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at the top level?) for every import in the file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    for node in tree.body:  # `if TYPE_CHECKING:` blocks count as top level
        if isinstance(node, ast.If):
            top |= {id(child) for child in node.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, id(node) in top))
    return found


def _allowed(module: str, rule: str, at_top: bool) -> bool:
    words, _, note = rule.partition(";")
    names = [word.strip() for word in words.replace("(types only)", "").split(",")]
    if module.startswith("gateway.devtools") and "devtools inside" in note and not at_top:
        return True
    for name in names:
        if name == "core" and not module.startswith("gateway.devtools"):
            return True
        if any(module == p or module.startswith(p + ".") for p in WORDS.get(name, ())):
            return True
    return False


def test_every_module_is_on_the_map_and_every_row_exists() -> None:
    rows = _rows()
    assert sorted(set(_modules()) - set(rows)) == [], "modules missing from docs/architecture.md"
    assert sorted(p for p in rows if not (ROOT / p).exists()) == [], "rows for missing modules"


@pytest.mark.parametrize("relative", _modules())
def test_module_imports_only_what_the_map_allows(relative: str) -> None:
    rule = _rows().get(relative)
    assert rule is not None
    wrong = [
        module
        for module, at_top in _imports(ROOT / relative)
        if module.split(".")[0] == "gateway" and not _allowed(module, rule, at_top)
    ]
    assert wrong == [], f"{relative} may import {rule!r}"


def test_the_core_imports_no_mock_and_no_plugin() -> None:
    wrong = [
        f"{relative}: {module}"
        for relative in _modules()
        for module, _top in _imports(ROOT / relative)
        if module.split(".")[0] in ("mocks", "plugins", "aiosmtpd")
    ]
    assert wrong == []


def test_servers_are_reached_through_public_api() -> None:
    """`site._server` is aiohttp's private attribute; `runner.addresses` is the promise."""
    for path in [*(ROOT / "gateway").rglob("*.py"), *(ROOT / "mocks").rglob("*.py")]:
        assert "site._server" not in path.read_text(encoding="utf-8"), path


def test_no_gateway_module_is_too_long() -> None:
    """Small modules with one job: over about 350 lines is a sign it holds two."""
    long = {
        relative: lines
        for relative in _modules()
        if (lines := len((ROOT / relative).read_text(encoding="utf-8").splitlines())) > 350
    }
    assert long == {}


def test_the_rule_reader_refuses_what_it_should() -> None:
    assert not _allowed("gateway.store.db", "nothing", True)
    assert not _allowed("gateway.app", "store, states", True)
    assert _allowed("gateway.store.models", "store, states", True)
    assert not _allowed("gateway.devtools.demo", "core", True)
    assert not _allowed(
        "gateway.devtools.demo", "core; devtools inside the demo command only", True
    )
    assert _allowed("gateway.devtools.demo", "core; devtools inside the demo command only", False)


def _private_patches(text: str) -> list[str]:
    """`monkeypatch.setattr(obj, "_private", ...)` calls: a test bound to an inside that may change."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
        ):
            found.append(str(node.args[1].value))
    return found


def test_no_test_patches_a_private_method() -> None:
    """Failures are made through public parts (a database trigger, a mock's faults), not by patching."""
    wrong = {
        path.relative_to(ROOT).as_posix(): names
        for path in (ROOT / "tests").rglob("*.py")
        if (names := _private_patches(path.read_text(encoding="utf-8")))
    }
    assert wrong == {}
    assert _private_patches('monkeypatch.setattr(store, "_run", broken)') == ["_run"]
