"""`[departments.NAME]` and `[operators.LOGIN]`: named tables, each checked on its own.

Kept apart from `config.py`; an operator's departments must name sections
that exist, checked on the raw tables so an operator with another problem
still has them checked in the same run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from gateway.config_problems import ConfigProblem, problems_from
from gateway.config_sections import DepartmentSection, OperatorSection
from gateway.config_words import did_you_mean

LOGIN = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def named_tables(
    raw: Any, key: str, model: type[BaseModel], problems: list[ConfigProblem]
) -> dict[str, Any]:
    """`[departments.X]` / `[operators.X]`: each table validated on its own."""
    found: dict[str, Any] = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem(key, f"must be [{key}.NAME] tables"))
        return found
    for name, section in raw.items():
        if not LOGIN.fullmatch(name):
            problems.append(
                ConfigProblem(f"{key}.{name}", "a name is lower-case letters, digits, - and _")
            )
            continue
        try:
            found[name] = model.model_validate(section)
        except ValidationError as exc:
            problems += problems_from(exc, f"{key}.{name}", model)
    return found


def staff_sections(
    expanded: Mapping[str, Any], problems: list[ConfigProblem]
) -> tuple[dict[str, DepartmentSection], dict[str, OperatorSection]]:
    departments = named_tables(
        expanded.get("departments", {}), "departments", DepartmentSection, problems
    )
    raw_operators = expanded.get("operators", {})
    operators = named_tables(raw_operators, "operators", OperatorSection, problems)
    # named departments are checked on the raw tables, so an operator with another problem
    # (a wrong role) still has its departments checked in the same run
    for login, section in (raw_operators if isinstance(raw_operators, dict) else {}).items():
        named = section.get("departments") if isinstance(section, dict) else None
        for position, name in enumerate(named if isinstance(named, list) else []):
            if isinstance(name, str) and name not in departments:
                problems.append(
                    ConfigProblem(
                        f"operators.{login}.departments[{position}]",
                        f"no [departments.{name}] section{did_you_mean(name, departments)}",
                    )
                )
    return departments, operators
