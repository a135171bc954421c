"""Keep the plugin surface honest: every hook is documented and every hook has a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from gateway import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(
    name
    for name, obj in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("gateway_")
)


def test_there_are_hooks() -> None:
    assert len(HOOKS) >= 5


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook: str) -> None:
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    assert f"## {hook}\n" in docs, f"docs/plugin-hooks.md has no section for {hook}"
    spec = getattr(hookspecs, hook)
    assert spec.__doc__ and ":returns:" in spec.__doc__
    assert "return" in inspect.signature(
        spec
    ).return_annotation.lower() or spec.__annotations__.get("return")


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook: str) -> None:
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names.update(re.findall(r"def (test_\w+)", path.read_text(encoding="utf-8")))
    assert f"test_hook_{hook}" in names, f"no test named test_hook_{hook}"
