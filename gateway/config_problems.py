"""A problem in a config file: its key path, its line, its words; and all of them as one error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from gateway.config_words import plain


@dataclass(frozen=True)
class ConfigProblem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = display_path(self.path) or "<file>"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.message}"


def display_path(path: str) -> str:
    """`routes[2].type` as a person counts: `[[routes]] #3 type`."""
    found = re.match(r"^routes\[(\d+)\]\.?(.*)$", path)
    if not found:
        return path
    rest = found.group(2)
    return f"[[routes]] #{int(found.group(1)) + 1}" + (f" {rest}" if rest else "")


class ConfigError(Exception):
    """Every problem found in one config file, each with its key path."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def problems_from(
    error: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> list[ConfigProblem]:
    problems = []
    for item in error.errors():
        path = prefix
        for part in item["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path += f".{part}" if path else str(part)
        problems.append(ConfigProblem(path, plain(item, model)))
    return problems
