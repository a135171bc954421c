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
from datetime import date

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


#: AADE's as_on_date reaches at most this far back (domain §1, §3)
REGISTRY_WINDOW_YEARS = 3
BEYOND_WINDOW = ("judge_today", "refer")
FORMER_PROFESSIONAL = "ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ"


@dataclass(frozen=True)
class AffectedList:
    """The exemption rule as the council decided it: which ΚΑΔ, main only or also secondary,
    for which period, and what to do when that period is older than AADE can look back.
    """

    name: str
    version: str
    prefixes: tuple[str, ...]
    accept_secondary: bool = False
    decision: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    #: judge_today: judge on today's registry data and say so; refer: a clerk decides
    beyond_window: str = "judge_today"

    @classmethod
    def build(
        cls,
        name: str,
        version: str,
        codes: Iterable[str],
        accept_secondary: bool = False,
        *,
        decision: str | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        beyond_window: str = "judge_today",
    ) -> AffectedList:
        if beyond_window not in BEYOND_WINDOW:
            raise ValueError(f"beyond_registry_window must be one of {', '.join(BEYOND_WINDOW)}")
        if period_from and period_to and period_to < period_from:
            raise ValueError(f"the period ends ({period_to}) before it starts ({period_from})")
        return cls(
            name,
            version,
            tuple(sorted({list_code(c) for c in codes})),
            accept_secondary,
            decision,
            period_from,
            period_to,
            beyond_window,
        )

    @property
    def label(self) -> str:
        base = f"{self.name} {self.version}"
        return f"{base} (decision {self.decision})" if self.decision else base

    @property
    def period(self) -> dict[str, str] | None:
        if not (self.period_from or self.period_to):
            return None
        return {
            key: value.isoformat()
            for key, value in (("from", self.period_from), ("to", self.period_to))
            if value
        }

    def covering(self, code: str) -> str | None:
        """The list entry that covers `code` (the longest), or None."""
        found = [prefix for prefix in self.prefixes if code.startswith(prefix)]
        return max(found, key=len) if found else None

    def beyond_registry_window(self, today: date) -> bool:
        """The period starts earlier than AADE's as_on_date can reach."""
        if self.period_from is None:
            return False
        try:
            limit = today.replace(year=today.year - REGISTRY_WINDOW_YEARS)
        except ValueError:  # 29 February
            limit = today.replace(year=today.year - REGISTRY_WINDOW_YEARS, day=28)
        return self.period_from < limit


@dataclass(frozen=True)
class Reason:
    """Why, as a code with its facts: the e-mail words it in the citizen's language."""

    code: str
    facts: dict[str, str]

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, **self.facts}


#: the reason codes and their English wording (the e-mail templates hold Greek and English)
WORDING = {
    "KAD_LISTED": "{kind} ΚΑΔ {kad} ({description}) is covered by {entry} on the list {rule}",
    "KAD_NOT_LISTED": "main ΚΑΔ {kad} ({description}) is not on the list {rule}",
    "NO_MAIN_KAD": "the registry lists no main ΚΑΔ for this business",
    "SECONDARY_ONLY": "{kind} ΚΑΔ {kad} ({description}) is on the list {rule}, but {kind} codes do not count",
    "DEACTIVATED": "the ΑΦΜ is deactivated; a deactivated business is never eligible",
    "STOPPED_BEFORE_PERIOD": "the business stopped trading on {stop_date}, before or within the decision's period",
    "FORMER_PROFESSIONAL": "the registry lists the business as ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ (former professional)",
    "PERIOD_BEYOND_REGISTRY_WINDOW": "the decision's period starts {period_from}, earlier than AADE's registry reaches back (3 years): {action}",
}
ACTIONS = {"judge_today": "judged on today's registry data", "refer": "referred to a clerk"}


def wording(reason: Reason) -> str:
    if reason.code == "DEACTIVATED" and reason.facts.get("stop_date"):
        return (
            f"the ΑΦΜ is deactivated since {reason.facts['stop_date']}; "
            "a deactivated business is never eligible"
        )
    return WORDING[reason.code].format(**reason.facts)


@dataclass(frozen=True)
class Verdict:
    verdict: str  # eligible | not_eligible | needs_review
    causes: list[Reason]
    rule: str

    @property
    def eligible(self) -> bool:
        return self.verdict == "eligible"

    @property
    def reasons(self) -> list[str]:
        """The causes in English words."""
        return [wording(cause) for cause in self.causes]


def judge(
    active: bool,
    activities: list[Activity],
    rule: AffectedList,
    stop_date: str | None = None,
    firm_flag: str | None = None,
    today: date | None = None,
) -> Verdict:
    """Active means (domain §1): not deactivated, no stop_date before or within the period, and
    not ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ. Then the ΚΑΔ: the main one on the list, or a secondary one where
    the decision accepts those. A period older than AADE's window is judged on today's data and
    said so, or referred to a clerk, as the rule says.
    """
    reasons = _status_reasons(active, rule, stop_date, firm_flag)
    eligible = False
    if not reasons:
        eligible, reasons = _kad_reasons(activities, rule)
    verdict = "eligible" if eligible else "not_eligible"
    if today is not None and rule.beyond_registry_window(today):
        reasons.append(
            Reason(
                "PERIOD_BEYOND_REGISTRY_WINDOW",
                {
                    "period_from": str(rule.period_from),
                    "action": ACTIONS[rule.beyond_window],
                },
            )
        )
        if rule.beyond_window == "refer":
            verdict = "needs_review"
    return Verdict(verdict, reasons, rule.label)


def _status_reasons(
    active: bool, rule: AffectedList, stop_date: str | None, firm_flag: str | None
) -> list[Reason]:
    if not active:
        return [Reason("DEACTIVATED", {"stop_date": stop_date} if stop_date else {})]
    stopped = _date(stop_date)
    trading_through_period = (
        stopped is not None and rule.period_to is not None and stopped > rule.period_to
    )
    if stop_date and not trading_through_period:
        return [Reason("STOPPED_BEFORE_PERIOD", {"stop_date": stop_date})]
    if firm_flag and " ".join(firm_flag.upper().split()) == FORMER_PROFESSIONAL:
        if not trading_through_period:  # the flag says today; the period may have seen it trade
            return [Reason("FORMER_PROFESSIONAL", {})]
    return []


def _kad_reasons(activities: list[Activity], rule: AffectedList) -> tuple[bool, list[Reason]]:
    accepted_kinds = ("main", "secondary") if rule.accept_secondary else ("main",)
    reasons: list[Reason] = []
    eligible = False
    for activity in activities:
        entry = rule.covering(activity.code)
        if entry is None:
            continue
        facts = {
            "kind": activity.kind,
            "kad": dotted(activity.code),
            "description": activity.description,
            "entry": dotted(entry),
            "rule": rule.label,
        }
        if activity.kind in accepted_kinds:
            eligible = True
            reasons.append(Reason("KAD_LISTED", facts))
        else:
            reasons.append(Reason("SECONDARY_ONLY", facts))
    if not eligible:
        main = [a for a in activities if a.kind == "main"]
        if not main:
            reasons.insert(0, Reason("NO_MAIN_KAD", {}))
        else:
            reasons.insert(
                0,
                Reason(
                    "KAD_NOT_LISTED",
                    {
                        "kad": dotted(main[0].code),
                        "description": main[0].description,
                        "rule": rule.label,
                    },
                ),
            )
    return eligible, reasons


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
