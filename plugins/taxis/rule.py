"""The fee-exemption rule: is a business "affected" by the list of ΚΑΔ in force?

Pure functions (domain file §3). A business qualifies when its main ΚΑΔ is
covered by the list, or a secondary one when the decision accepts those; a
shorter code on the list covers every longer code that starts with it; a
deactivated ΑΦΜ never qualifies. Each verdict names the list version and says
why in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

KINDS = {1: "main", 2: "secondary", 3: "other", 4: "auxiliary"}
_LIST_CODE = re.compile(r"^\d{2,8}$")


def kad_code(value: str | int) -> str:
    """A ΚΑΔ as 8 digits: the service sends numbers without leading zeros (5200000 is 05200000)."""
    text = str(value).strip().replace(".", "").replace(" ", "")
    if not text.isdigit() or len(text) > 8:
        raise ValueError(f"{value!r} is not a ΚΑΔ code")
    return text.zfill(8)


def dotted(code: str) -> str:
    """56301000 → 56.30.10.00, the way ΚΑΔ are printed."""
    return ".".join(code[i : i + 2] for i in range(0, len(code), 2))


def list_code(value: str) -> str:
    """A code on the affected list: 2 to 8 digits, dots allowed; kept as the prefix it is."""
    text = value.strip().replace(".", "")
    if not _LIST_CODE.match(text):
        raise ValueError(f"{value!r} is not a ΚΑΔ prefix of 2 to 8 digits")
    return text


@dataclass(frozen=True)
class Activity:
    code: str  # 8 digits
    description: str
    kind: str  # main | secondary | other | auxiliary


@dataclass(frozen=True)
class AffectedList:
    name: str
    version: str
    prefixes: tuple[str, ...]
    accept_secondary: bool = False

    @classmethod
    def build(
        cls, name: str, version: str, codes: Iterable[str], accept_secondary: bool = False
    ) -> AffectedList:
        return cls(name, version, tuple(sorted({list_code(c) for c in codes})), accept_secondary)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def covering(self, code: str) -> str | None:
        """The list entry that covers `code` (the longest), or None."""
        found = [prefix for prefix in self.prefixes if code.startswith(prefix)]
        return max(found, key=len) if found else None


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    reasons: list[str]
    rule: str


FORMER_PROFESSIONAL = "ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ"


def judge(
    active: bool,
    activities: list[Activity],
    rule: AffectedList,
    stop_date: str | None = None,
    firm_flag: str | None = None,
) -> Verdict:
    """Active means (domain §1): not deactivated, no stop_date, not ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ.

    A business that stopped trading keeps an active ΑΦΜ but shows a stop_date
    and the former-professional flag; neither is eligible.
    """
    reasons: list[str] = []
    if not active:
        when = f" since {stop_date}" if stop_date else ""
        return Verdict(
            False,
            [f"the ΑΦΜ is deactivated{when}; a deactivated business is never eligible"],
            rule.label,
        )
    if stop_date:
        return Verdict(
            False,
            [f"the business stopped trading on {stop_date} (stop_date); it is not eligible"],
            rule.label,
        )
    if firm_flag and " ".join(firm_flag.upper().split()) == FORMER_PROFESSIONAL:
        return Verdict(
            False,
            [f"the registry lists the business as {FORMER_PROFESSIONAL}; it is not eligible"],
            rule.label,
        )
    accepted_kinds = ("main", "secondary") if rule.accept_secondary else ("main",)
    eligible = False
    for activity in activities:
        entry = rule.covering(activity.code)
        if entry is None:
            continue
        shown = f"{activity.kind} ΚΑΔ {dotted(activity.code)} ({activity.description})"
        if activity.kind in accepted_kinds:
            eligible = True
            reasons.append(f"{shown} is covered by {dotted(entry)} on the list {rule.label}")
        else:
            reasons.append(
                f"{shown} is on the list {rule.label}, but {activity.kind} codes do not count"
            )
    if not eligible:
        main = [a for a in activities if a.kind == "main"]
        if not main:
            reasons.insert(0, "the registry lists no main ΚΑΔ for this business")
        else:
            reasons.insert(
                0,
                f"main ΚΑΔ {dotted(main[0].code)} ({main[0].description}) is not on the list {rule.label}",
            )
    return Verdict(eligible, reasons, rule.label)
