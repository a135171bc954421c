"""Who receives an application in ΙΡΙΔΑ, from `[plugins.protocol.departments]`; pure, no I/O.

A department is an inner position of our organisation, sent to with
`POST /external/innerPositions` and addressed as `"positionId-dutyId"`. The
config may give those ids, or the position's name (and, where a position has
several duties, `"Name / Duty"`), resolved through `/external/positions`. An
application that goes to another organisation is addressed to a root with
`"root:"` and the root's id or description. Names are compared as people
read them: case and accents aside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from plugins.protocol.mapping import name_key

INNER_ID = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
ROOT_PREFIX = "root:"

Kind = Literal["inner", "root"]


@dataclass(frozen=True)
class Recipient:
    """Where a send goes: `id` is "positionId-dutyId" (inner) or the root's id."""

    kind: Kind
    id: str
    name: str


@dataclass(frozen=True)
class DepartmentSpec:
    """One value of `[plugins.protocol.departments]`, read."""

    raw: str
    kind: Kind
    id: str | None = None
    name: str | None = None
    duty: str | None = None

    @property
    def needs_directory(self) -> bool:
        """Ids are sent as given; names must be looked up."""
        return self.id is None


def parse_spec(raw: str) -> DepartmentSpec:
    """ValueError says what is wrong with the value."""
    text = raw.strip()
    if not text:
        raise ValueError("is empty")
    if text.casefold().startswith(ROOT_PREFIX):
        target = text[len(ROOT_PREFIX) :].strip()
        if not target:
            raise ValueError('"root:" needs a root id or description after it')
        if target.isdigit():
            return DepartmentSpec(raw, "root", id=target)
        return DepartmentSpec(raw, "root", name=target)
    found = INNER_ID.match(text)
    if found:
        return DepartmentSpec(raw, "inner", id=f"{found[1]}-{found[2]}")
    name, _, duty = text.partition("/")
    if not name.strip():
        raise ValueError(f"{raw!r} names no position")
    return DepartmentSpec(raw, "inner", name=name.strip(), duty=duty.strip() or None)


def resolve(
    spec: DepartmentSpec, positions: Iterable[dict[str, Any]], roots: Iterable[dict[str, Any]]
) -> Recipient:
    """The recipient a spec names, from ΙΡΙΔΑ's lists (keys folded); ValueError names the choices."""
    if spec.kind == "root":
        organisations = [(str(r.get("id")), str(r.get("description") or "").strip()) for r in roots]
        for root_id, description in organisations:
            if (spec.id and root_id == spec.id) or (
                spec.name and name_key(description) == name_key(spec.name)
            ):
                return Recipient("root", root_id, description or root_id)
        known = ", ".join(f"{d} ({i})" for i, d in organisations) or "none"
        raise ValueError(f"no root (organisation) {spec.raw!r}; ΙΡΙΔΑ's roots: {known}")
    listed = list(positions)
    inner = [_position(item) for item in listed]
    if spec.id:
        for pid, name, _duty in inner:
            if pid == spec.id:
                return Recipient("inner", pid, name)
        raise ValueError(f"no inner position {spec.id!r} in ΙΡΙΔΑ's list of positions")
    wanted = name_key(spec.name or "")
    matches = [
        (pid, name, duty)
        for item, (pid, name, duty) in zip(listed, inner, strict=True)
        if wanted in _names(item) and (spec.duty is None or name_key(duty) == name_key(spec.duty))
    ]
    ids = sorted({pid for pid, _n, _d in matches})
    if len(ids) == 1:
        return Recipient("inner", ids[0], matches[0][1])
    if len(ids) > 1:
        duties = ", ".join(sorted({d for _p, _n, d in matches}))
        raise ValueError(
            f"{spec.raw!r} names {len(ids)} positions with different duties ({duties}); "
            f'write "{spec.name} / DUTY"'
        )
    known = ", ".join(sorted({n for _p, n, _d in inner})) or "none"
    raise ValueError(f"no inner position named {spec.raw!r}; ΙΡΙΔΑ's positions: {known}")


def _position(item: dict[str, Any]) -> tuple[str, str, str]:
    pid = f"{item.get('positionid')}-{item.get('dutyid')}"
    name = str(item.get("displayname") or item.get("positionname") or pid).strip()
    return pid, name, str(item.get("dutyname") or "").strip()


def _names(item: dict[str, Any]) -> set[str]:
    return {
        name_key(str(item[key]))
        for key in ("positionname", "displayname", "unitname")
        if item.get(key)
    }
