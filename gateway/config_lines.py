"""Where a key is in a TOML file: its line, for `check-config` to point at.

tomllib gives no positions, so the text is read once more, line by line,
following table headers (`[plugins.taxis]`, `[[routes]]`, counted) and
`key = value` lines. Keys inside multi-line inline tables or arrays are
found at their enclosing key's line, which is where a person looks anyway.
"""

from __future__ import annotations

import re

_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+?)\s*=")


def _dotted(name: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in name.split("."))


def key_lines(text: str) -> dict[str, int]:
    """Every table and key path in the file, with the 1-based line it is on."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        array = _ARRAY_TABLE.match(line)
        if array:
            name = _dotted(array.group(1))
            index = counts.get(name, 0)
            counts[name] = index + 1
            table = f"{name}[{index}]"
            lines.setdefault(table, number)
            continue
        header = _TABLE.match(line)
        if header:
            table = _dotted(header.group(1))
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key and not line.lstrip().startswith("#"):
            path = f"{table}.{_dotted(key.group(1))}" if table else _dotted(key.group(1))
            lines.setdefault(path, number)
    return lines


def line_of(path: str, lines: dict[str, int]) -> int | None:
    """The line of `path`, or of the nearest enclosing key or table that is in the file."""
    candidate = path
    while candidate:
        if candidate in lines:
            return lines[candidate]
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return None
