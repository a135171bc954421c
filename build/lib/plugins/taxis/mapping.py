"""RgWsPublic2 answers to the gateway's shapes; pure functions, no I/O.

Registry data (what the cache keeps) is separate from the verdict, which is
judged afresh against the list in force each time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from plugins.taxis.rule import KINDS, Activity, AffectedList, judge, kad_code

ATHENS = ZoneInfo("Europe/Athens")


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def registry_data(record: Any) -> dict[str, Any]:
    """The part of rg_ws_public2_result_rtType the gateway keeps (zeep object in, JSON-able dict out)."""
    basic = record.basic_rec
    # zeep turns <basic_rec xsi:nil="true"/> into an object whose fields are all None
    if basic is None or basic.afm is None:
        raise ValueError("the answer has neither an error nor a basic_rec")
    # the live error answer leaves firm_act_tab out; a nil may stand anywhere
    table = getattr(record, "firm_act_tab", None)
    items = (table.item if table is not None else None) or []
    return {
        "afm": _text(basic.afm),
        "name": _text(basic.onomasia) or "",
        "commercial_title": _text(basic.commer_title),
        "active": str(basic.deactivation_flag).strip() == "1",
        "stop_date": _text(basic.stop_date) or None,
        "firm_flag": _text(getattr(basic, "firm_flag_descr", None)),
        "kad": [
            {
                "code": kad_code(int(item.firm_act_code)),
                "description": _text(item.firm_act_descr) or "",
                "kind": KINDS.get(int(item.firm_act_kind), "other")
                if item.firm_act_kind is not None
                else "other",
            }
            for item in items
            if item is not None and item.firm_act_code is not None  # a nil item says nothing
        ],
    }


def verdict(data: dict[str, Any], rule: AffectedList, today: date | None = None) -> dict[str, Any]:
    """The result: for the delivery, the derived event and the look-up alike.

    `verdict` is eligible, not_eligible or needs_review; `reason_codes` say why as codes with
    their facts (the e-mail words them in the citizen's language); `reasons` are the same in
    English; `eligible` stays for readers of the first contract.
    """
    activities = [Activity(k["code"], k["description"], k["kind"]) for k in data["kad"]]
    judged = judge(
        data["active"],
        activities,
        rule,
        data.get("stop_date"),
        data.get("firm_flag"),
        today or datetime.now(ATHENS).date(),
    )
    result: dict[str, Any] = {
        "afm": data["afm"],
        "name": data["name"],
        "active": data["active"],
        "kad": data["kad"],
        "eligible": judged.eligible,
        "verdict": judged.verdict,
        "reasons": judged.reasons,
        "reason_codes": [cause.as_json() for cause in judged.causes],
        "rule": judged.rule,
    }
    if rule.decision:
        result["decision"] = rule.decision
    if rule.period:
        result["period"] = rule.period
    return result
