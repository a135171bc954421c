"""JSON Schema validation of events: the envelope, then `data` by its type.

Schemas are the files in `gateway/contracts/events/`, compiled once per app. ΑΦΜ and RF
check digits are JSON Schema formats, so a bad one is reported at its JSON path
like any other violation.

Two engines, one verdict: jsonschema-rs (compiled, ~8 µs an event) answers
"valid?" for every event; only an invalid event is walked again by the
pure-Python jsonschema, whose errors carry the JSON path and the attributes
we turn into plain words. Both are given the same schemas and formats, and a
test holds them to the same verdict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from gateway.domain.afm import afm_problem
from gateway.domain.rf import rf_problem

BASE_URI = "file:///municipal-gateway/contracts/events/"


@dataclass(frozen=True)
class SchemaViolation:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


#: years a date may have: 9999 or 0001 with an offset cannot be converted to local time
YEARS = range(1900, 2201)


def _date_time(value: object) -> bool:
    """ISO 8601 with a UTC offset, year 1900 to 2200; raises ValueError saying why not."""
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError("a date-time needs its UTC offset")
        if parsed.year not in YEARS:
            raise ValueError(f"the year must be from {YEARS.start} to {YEARS.stop - 1}")
    return True


def _date(value: object) -> bool:
    if isinstance(value, str) and date.fromisoformat(value).year not in YEARS:
        raise ValueError(f"the year must be from {YEARS.start} to {YEARS.stop - 1}")
    return True


def _afm(value: object) -> bool:
    return not isinstance(value, str) or afm_problem(value) is None


def _rf(value: object) -> bool:
    return not isinstance(value, str) or rf_problem(value) is None


def _date_time_ok(value: object) -> bool:
    try:
        return _date_time(value)
    except ValueError:
        return False


def _date_ok(value: object) -> bool:
    try:
        return _date(value)
    except ValueError:
        return False


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=["email"])
    checker.checks("afm")(_afm)
    checker.checks("rf-code")(_rf)
    checker.checks("date-time", raises=ValueError)(_date_time)
    checker.checks("date", raises=ValueError)(_date)
    return checker


def _fast(schema: dict[str, Any], registry: Any) -> Any:
    return jsonschema_rs.Draft202012Validator(
        schema,
        registry=registry,
        formats={"afm": _afm, "rf-code": _rf, "date-time": _date_time_ok, "date": _date_ok},
        validate_formats=True,
        offline=True,
    )


def _message(error: Any) -> str:
    """Say what is wrong in a person's words where jsonschema's are cryptic."""
    if error.validator == "format":
        if error.validator_value == "afm":
            return afm_problem(error.instance) or error.message
        if error.validator_value == "rf-code":
            return rf_problem(error.instance) or error.message
        if error.validator_value in ("date-time", "date") and error.cause is not None:
            return f"{error.instance!r} is not an ISO 8601 {error.validator_value}: {error.cause}"
    if error.validator == "pattern" and "\\u0000" in str(error.validator_value):
        return (
            "holds a control character (a line break, a tab, NUL, ...), which is not allowed here"
        )
    if error.validator == "pattern" and error.validator_value.startswith("^[^\\s<>"):
        return f"{error.instance!r} is not a bare e-mail address (user@domain, no name)"
    if error.validator == "enum" and error.path and error.path[-1] == "request_type":
        known = ", ".join(str(name) for name in error.validator_value)
        return f"unknown request type {error.instance!r}; the catalogue has: {known}"
    if error.validator == "anyOf" and all(
        set(option) == {"required"} for option in error.validator_value
    ):
        fields = " or ".join(
            name for option in error.validator_value for name in option["required"]
        )
        return f"needs {fields}"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    return error.message


#: files of the events folder that are not an event type
_NOT_TYPES = frozenset({"envelope", "common"})


def event_types(folder: Path) -> frozenset[str]:
    """The event types with a schema, from the file names alone (config checks need no compiling)."""
    return frozenset(p.stem for p in folder.glob("*.json") if p.stem not in _NOT_TYPES)


def with_catalogue(
    documents: dict[str, Any], request_types: Mapping[str, dict[str, Any] | None]
) -> None:
    """The configured catalogue in place of the contract's list, and each type's fragment.

    `request_type` is one definition in common.json that every event refers
    to, so the catalogue replaces its list once; a type's fragment applies to
    request.submitted data of that type, beside the contract's own rules.
    """
    definition = documents["common"]["$defs"]["request_type"]
    definition["enum"] = list(request_types)
    submitted = documents["request.submitted"]
    for name, fragment in request_types.items():
        if fragment is not None:
            submitted.setdefault("allOf", []).append(
                {
                    "if": {
                        "properties": {"request_type": {"const": name}},
                        "required": ["request_type"],
                    },
                    "then": fragment,
                }
            )


class EventSchemas:
    """Compiled validators for the envelope and every event type in a contracts folder."""

    def __init__(
        self, folder: Path, request_types: Mapping[str, dict[str, Any] | None] | None = None
    ) -> None:
        documents = {
            p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))
        }
        if request_types is not None:
            with_catalogue(documents, request_types)
        for name, document in documents.items():
            # refs are relative to the file ("common.json#/$defs/afm"), so standard tools resolve
            # them from the files alone; here each is given an absolute base to resolve against
            document["$id"] = BASE_URI + f"{name}.json"
        registry: Registry = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc)) for doc in documents.values()
        )
        fast_registry = jsonschema_rs.Registry([(doc["$id"], doc) for doc in documents.values()])
        checker = _format_checker()
        envelope = documents.pop("envelope")
        self._envelope = Draft202012Validator(envelope, registry=registry, format_checker=checker)
        self._fast_envelope = _fast(envelope, fast_registry)
        documents.pop("common", None)
        self._data = {
            name: Draft202012Validator(doc, registry=registry, format_checker=checker)
            for name, doc in documents.items()
        }
        self._fast_data = {name: _fast(doc, fast_registry) for name, doc in documents.items()}
        self.origin = {name: doc.get("x-origin", "portal") for name, doc in documents.items()}
        #: every event type with a schema, and those the portal may post (the rest are derived)
        self.known_types = frozenset(self._data)
        self.portal_types = frozenset(t for t, origin in self.origin.items() if origin == "portal")

    def validate(self, event: dict[str, Any]) -> list[SchemaViolation]:
        """Every violation, envelope first; `data` is checked only when the envelope is sound."""
        event_type = event.get("type")
        fast = self._fast_data.get(event_type) if isinstance(event_type, str) else None
        if (
            fast is not None
            and self._fast_envelope.is_valid(event)
            and fast.is_valid(event["data"])
        ):
            return []
        found = self.explain(event)
        if found or fast is None:
            return found
        # the engines disagree: trust the stricter one, in its own words
        return [
            SchemaViolation(
                "$"
                + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path),
                error.message,
            )
            for error in self._fast_envelope.iter_errors(event)
        ] + [
            SchemaViolation(
                "$.data"
                + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path),
                error.message,
            )
            for error in fast.iter_errors(event["data"])
        ]

    def fast_verdict(self, event: dict[str, Any]) -> bool | None:
        """The compiled engine's answer alone (None for an unknown type); for the agreement test."""
        event_type = event.get("type")
        fast = self._fast_data.get(event_type) if isinstance(event_type, str) else None
        if fast is None:
            return None
        return bool(self._fast_envelope.is_valid(event) and fast.is_valid(event.get("data")))

    def explain(self, event: dict[str, Any]) -> list[SchemaViolation]:
        """The slow, thorough walk: every violation with its JSON path in plain words."""
        found = [
            SchemaViolation(e.json_path, _message(e))
            for e in sorted(self._envelope.iter_errors(event), key=lambda e: e.json_path)
        ]
        if found:
            return found
        validator = self._data.get(event["type"])
        if validator is None:
            return [SchemaViolation("$.type", f"unknown event type {event['type']!r}")]
        return [
            SchemaViolation("$.data" + e.json_path[1:], _message(e))
            for e in sorted(validator.iter_errors(event["data"]), key=lambda e: e.json_path)
        ]
