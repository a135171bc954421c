"""The portal's catalogue of request types: `[request_types.NAME]`, or the procurement's six.

The procurement asks that "the platform can add and configure further
request types" without a release. A type is a name the portal sends as
`data.request_type`, its Greek and English names (the e-mails print them),
the department it belongs to, and optionally a JSON Schema fragment the
`request.submitted` data of that type must also satisfy (its extra required
fields, usually under `data.details`). Intake validates against the
catalogue in use, so an unknown type is refused with the known ones named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from gateway.config_problems import ConfigProblem, problems_from
from gateway.config_sections import config_relative
from gateway.config_words import did_you_mean

#: a type's name: what the portal sends, and a key in config and SQL filters
TYPE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
#: the largest fragment read; a catalogue entry is a few hundred bytes
MAX_FRAGMENT_BYTES = 65536


class RequestType(BaseModel):
    """One entry of the catalogue; plugins receive these (`PluginContext.request_types`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_el: str = Field(min_length=1, max_length=200, description="the type's name in Greek")
    name_en: str = Field(min_length=1, max_length=200, description="the type's name in English")
    department: str | None = Field(
        None, description="the [departments.NAME] it belongs to (staff scoped to it see it)"
    )
    data_schema: str | None = Field(
        None,
        description="a JSON Schema file (relative to the config file) that request.submitted "
        "data of this type must also satisfy: its extra required fields",
    )

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_el

    @field_validator("name_el", "name_en")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if re.search("[\x00-\x1f\x7f-\x9f]", value):
            raise ValueError("a name is one line: no control characters")
        return value

    @field_validator("data_schema")
    @classmethod
    def _fragment_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Read and checked now, so a broken fragment stops check-config, not an application."""
        if value is None:
            return None
        path = config_relative(value, info)
        read_fragment(path)
        return str(path)

    def fragment(self) -> dict[str, Any] | None:
        return read_fragment(Path(self.data_schema)) if self.data_schema else None


def read_fragment(path: Path) -> dict[str, Any]:
    """The fragment as a JSON Schema object; ValueError saying what is wrong with it."""
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    if path.stat().st_size > MAX_FRAGMENT_BYTES:
        raise ValueError(f"{path} is larger than {MAX_FRAGMENT_BYTES} bytes")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError(
            f"{path} must hold a JSON object (a schema), not {type(document).__name__}"
        )
    try:
        Draft202012Validator.check_schema(document)
    except SchemaError as exc:
        raise ValueError(f"{path} is not a JSON Schema (2020-12): {exc.message}") from None
    if "$ref" in json.dumps(document):
        raise ValueError(f"{path}: a fragment stands alone; $ref is not allowed in it")
    return document


#: the procurement's six (domain file §7), used when the config has no [request_types]
BUILT_IN: dict[str, RequestType] = {
    "fee_exemption": RequestType(name_el="Απαλλαγή από τέλη καθαριότητας και φωτισμού", name_en="Exemption from cleaning and lighting fees"),
    "tap_no_debt_certificate": RequestType(name_el="Βεβαίωση μη οφειλής ΤΑΠ", name_en="Certificate of no debt for ΤΑΠ"),
    "civil_registry_certificate": RequestType(name_el="Πιστοποιητικό ή ληξιαρχική πράξη", name_en="Civil-registry certificate or act"),
    "asep_hiring_application": RequestType(name_el="Αίτηση σε διαγωνισμό ΑΣΕΠ", name_en="Application to an ASEP hiring competition"),
    "document_order": RequestType(name_el="Παραγγελία πιστοποιητικών και εγγράφων", name_en="Order of certificates and documents"),
    "everyday_report": RequestType(name_el="Αναφορά καθημερινότητας", name_en="Everyday report"),
}  # fmt: skip


def parse_request_types(
    raw: Any,
    departments: Mapping[str, Any],
    context: dict[str, Any],
    problems: list[ConfigProblem],
) -> dict[str, RequestType]:
    """`[request_types.NAME]` tables, each checked on its own; absent: the built-in six."""
    if raw is None:
        return dict(BUILT_IN)
    if not isinstance(raw, dict) or not raw:
        problems.append(ConfigProblem("request_types", "must be one or more [request_types.NAME]"))
        return dict(BUILT_IN)
    catalogue: dict[str, RequestType] = {}
    for name, section in raw.items():
        path = f"request_types.{name}"
        if not TYPE_NAME.fullmatch(name):
            problems.append(
                ConfigProblem(path, "a type's name is lower-case letters, digits and _")
            )
            continue
        # the department is checked on the raw table, so an entry with another problem (a
        # missing data_schema file) still has it checked in the same run
        department = section.get("department") if isinstance(section, dict) else None
        if isinstance(department, str) and department not in departments:
            problems.append(
                ConfigProblem(
                    f"{path}.department",
                    f"no [departments.{department}] section{did_you_mean(department, departments)}",
                )
            )
        try:
            catalogue[name] = RequestType.model_validate(section, context=context)
        except ValidationError as exc:
            problems += problems_from(exc, path, RequestType)
    return catalogue


def unknown_types(named: list[tuple[str, str]], catalogue: Iterable[str]) -> list[ConfigProblem]:
    """(key path, request type) pairs; every type not in the catalogue is a problem at its path."""
    catalogue = list(catalogue)
    return [
        ConfigProblem(
            path, f"no request type {name!r} in the catalogue{did_you_mean(name, catalogue)}"
        )
        for path, name in named
        if name not in catalogue
    ]
