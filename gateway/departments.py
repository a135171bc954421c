"""Which department an event belongs to, and what a department-scoped operator may see.

The procurement gives each department its staff, who see their own
department's requests. An event belongs to the department its request type
names in the catalogue (`[request_types.NAME] department`), to the
departments whose `request_types` list it, and payment.* events to those
with `payments = true`. The same rule is a Python test (one event) and an
SQL condition (lists, dead letters, bulk repair), so both agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import false, or_

from gateway.config import DepartmentSection
from gateway.operators import Actor
from gateway.request_types import RequestType
from gateway.store.models import events


class DepartmentMap:
    def __init__(
        self,
        departments: Mapping[str, DepartmentSection],
        catalogue: Mapping[str, RequestType] | None = None,
    ) -> None:
        self.departments = dict(departments)
        #: department → the request types that belong to it, from both places the config says so
        self.types = {
            name: frozenset(department.request_types)
            | {t for t, entry in (catalogue or {}).items() if entry.department == name}
            for name, department in self.departments.items()
        }

    def of(self, event_type: str, data: Mapping[str, Any] | None) -> frozenset[str]:
        request_type = (data or {}).get("request_type")
        return frozenset(
            name
            for name, department in self.departments.items()
            if (department.payments and event_type.startswith("payment."))
            or (request_type is not None and request_type in self.types[name])
        )

    def sees(self, actor: Actor, event_type: str, data: Mapping[str, Any] | None) -> bool:
        if actor.departments is None or not actor.is_staff:
            return True
        return bool(self.of(event_type, data) & actor.departments)

    def clause(self, names: Iterable[str]) -> Any:
        """SQL over `events`: belongs to one of `names` (a purged payload belongs to none)."""
        known = [name for name in names if name in self.departments]
        chosen = [self.departments[name] for name in known]
        types = sorted({t for name in known for t in self.types[name]})
        conditions = []
        if any(department.payments for department in chosen):
            conditions.append(events.c.type.like("payment.%"))
        if types:
            conditions.append(events.c.envelope["data"]["request_type"].as_string().in_(types))
        return or_(*conditions) if conditions else false()

    def scope_of(self, actor: Actor) -> Any | None:
        """The condition that narrows what `actor` sees, or None for every department."""
        if actor.departments is None or not actor.is_staff:
            return None
        return self.clause(actor.departments)
