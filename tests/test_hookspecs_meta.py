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


def signature_line(hook: str) -> str:
    """`name(arg: Type, ...) -> Return` as the docs write it (annotations are strings here)."""
    spec = getattr(hookspecs, hook)
    signature = inspect.signature(spec)
    params = ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    return f"{hook}({params}) -> {signature.return_annotation}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook: str) -> None:
    """Modelled on datasette's tests/test_docs.py: a section per hook, with its exact signature."""
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    assert f"## {hook}\n" in docs, f"docs/plugin-hooks.md has no section for {hook}"
    section = docs[docs.index(f"## {hook}\n") :].split("\n## ", 1)[0]
    assert f"`{signature_line(hook)}`" in section, (
        f"docs/plugin-hooks.md does not give {hook}'s signature as the code has it: "
        f"{signature_line(hook)}"
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_spec_is_typed_and_says_what_it_returns(hook: str) -> None:
    spec = getattr(hookspecs, hook)
    signature = inspect.signature(spec)
    assert signature.return_annotation is not inspect.Signature.empty, f"{hook} has no return type"
    assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values())
    assert spec.__doc__ and ":returns:" in spec.__doc__


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook: str) -> None:
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names.update(re.findall(r"def (test_\w+)", path.read_text(encoding="utf-8")))
    assert f"test_hook_{hook}" in names, f"no test named test_hook_{hook}"
