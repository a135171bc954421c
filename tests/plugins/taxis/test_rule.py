import pytest

from plugins.taxis.rule import Activity, AffectedList, dotted, judge, kad_code, list_code

RULE = AffectedList.build(
    "sample-affected-kad", "2020-1", ["56.30", "56.10.11", "93.29.11.01", "47"]
)
WITH_SECONDARY = AffectedList.build(
    "sample-affected-kad", "2020-1", ["56.30"], accept_secondary=True
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (5200000, "05200000"),
        ("5200000", "05200000"),
        ("56.30.10.00", "56301000"),
        ("56301000", "56301000"),
        (1, "00000001"),
    ],
)
def test_codes_are_eight_digits(raw: object, code: str) -> None:
    assert kad_code(raw) == code  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["", "abc", "123456789", "56-30"])
def test_bad_codes(raw: str) -> None:
    with pytest.raises(ValueError):
        kad_code(raw)


@pytest.mark.parametrize("raw", ["5", "123456789", "5a", ""])
def test_bad_list_codes(raw: str) -> None:
    with pytest.raises(ValueError, match="2 to 8 digits"):
        list_code(raw)


def test_dotted() -> None:
    assert dotted("56301000") == "56.30.10.00"


def test_prefix_coverage_picks_the_longest_entry() -> None:
    rule = AffectedList.build("l", "1", ["56", "56.30"])
    assert rule.covering("56301000") == "5630"
    assert rule.covering("56101100") == "56"
    assert rule.covering("55101000") is None


def cafe(kind: str = "main", code: str = "56301000") -> Activity:
    return Activity(code, "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", kind)


def test_main_kad_on_the_list_is_eligible_and_says_why() -> None:
    verdict = judge(True, [cafe()], RULE)
    assert verdict.eligible
    assert verdict.reasons == [
        "main ΚΑΔ 56.30.10.00 (ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ) is covered by 56.30 on the list sample-affected-kad 2020-1"
    ]
    assert verdict.rule == "sample-affected-kad 2020-1"


def test_eight_digit_entry_and_longer_prefixes() -> None:
    assert judge(True, [Activity("93291101", "ΠΑΙΔΟΤΟΠΟΙ", "main")], RULE).eligible
    assert not judge(True, [Activity("93291102", "ΑΛΛΟ", "main")], RULE).eligible
    assert judge(True, [Activity("56101101", "ΕΣΤΙΑΤΟΡΙΟ", "main")], RULE).eligible


def test_secondary_counts_only_when_the_decision_says_so() -> None:
    activities = [Activity("62010000", "ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ", "main"), cafe("secondary")]
    refused = judge(True, activities, RULE)
    assert not refused.eligible
    assert refused.reasons[0].startswith(
        "main ΚΑΔ 62.01.00.00 (ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ) is not on the list"
    )
    assert "secondary codes do not count" in refused.reasons[1]
    assert judge(True, activities, WITH_SECONDARY).eligible


def test_other_and_auxiliary_never_count() -> None:
    assert not judge(True, [cafe("other"), cafe("auxiliary")], WITH_SECONDARY).eligible


def test_deactivated_is_never_eligible() -> None:
    verdict = judge(False, [cafe()], RULE, stop_date="2021-03-31")
    assert not verdict.eligible
    assert verdict.reasons == [
        "the ΑΦΜ is deactivated since 2021-03-31; a deactivated business is never eligible"
    ]


def test_no_activities_at_all() -> None:
    verdict = judge(True, [], RULE)
    assert not verdict.eligible and verdict.reasons == [
        "the registry lists no main ΚΑΔ for this business"
    ]


def test_a_business_that_stopped_trading_is_not_eligible() -> None:
    """Its ΑΦΜ stays active (deactivation_flag 1), but it shows a stop_date (domain §1)."""
    verdict = judge(True, [cafe()], RULE, stop_date="2024-06-30")
    assert not verdict.eligible
    assert verdict.reasons == [
        "the business stopped trading on 2024-06-30, before or within the decision's period"
    ]


def test_a_former_professional_is_not_eligible() -> None:
    verdict = judge(True, [cafe()], RULE, firm_flag="πρωην  επιτηδευματιας".upper())
    assert not verdict.eligible and "ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ" in verdict.reasons[0]
    assert judge(True, [cafe()], RULE, firm_flag="ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ").eligible


# -- the rule as a decision: its period, AADE's 3-year window, structured reasons -------

from datetime import date  # noqa: E402

TODAY = date(2026, 11, 23)
DECISION = AffectedList.build(
    "affected", "1", ["56.30"], decision="12/2025", period_from=date(2025, 3, 1),
    period_to=date(2025, 6, 30),
)  # fmt: skip


def codes(verdict) -> list[str]:  # type: ignore[no-untyped-def]
    return [cause.code for cause in verdict.causes]


def test_verdict_with_reason_codes_and_their_facts() -> None:
    listed = judge(True, [cafe()], DECISION, today=TODAY)
    assert (listed.verdict, codes(listed)) == ("eligible", ["KAD_LISTED"])
    assert listed.causes[0].as_json() == {
        "code": "KAD_LISTED", "kind": "main", "kad": "56.30.10.00",
        "description": "ΥΠΗΡΕΣΙΕΣ ΚΑΦΕΝΕΙΟΥ", "entry": "56.30", "rule": "affected 1 (decision 12/2025)",
    }  # fmt: skip
    other = Activity("62010000", "ΠΡΟΓΡΑΜΜΑΤΙΣΜΟΣ", "main")
    assert codes(judge(True, [other], DECISION, today=TODAY)) == ["KAD_NOT_LISTED"]
    assert codes(judge(True, [other, cafe("secondary")], DECISION, today=TODAY)) == [
        "KAD_NOT_LISTED", "SECONDARY_ONLY",
    ]  # fmt: skip
    assert codes(judge(False, [cafe()], DECISION, today=TODAY)) == ["DEACTIVATED"]
    assert codes(judge(True, [], DECISION, today=TODAY)) == ["NO_MAIN_KAD"]


@pytest.mark.parametrize(
    ("stop_date", "verdict", "code"),
    [
        ("2024-12-31", "not_eligible", "STOPPED_BEFORE_PERIOD"),  # before the period
        ("2025-05-15", "not_eligible", "STOPPED_BEFORE_PERIOD"),  # within it
        ("2025-06-30", "not_eligible", "STOPPED_BEFORE_PERIOD"),  # on its last day
        ("2025-09-01", "eligible", "KAD_LISTED"),  # traded through the whole period
    ],
)
def test_stop_date_against_the_decisions_period(stop_date: str, verdict: str, code: str) -> None:
    judged = judge(True, [cafe()], DECISION, stop_date=stop_date, today=TODAY)
    assert (judged.verdict, codes(judged)[0]) == (verdict, code)


def test_a_former_professional_who_traded_through_the_period_is_judged_on_its_kad() -> None:
    """The flag says today; a stop_date after the period says it was trading then."""
    flag = "ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ"
    assert codes(judge(True, [cafe()], DECISION, firm_flag=flag, today=TODAY)) == [
        "FORMER_PROFESSIONAL"
    ]
    later = judge(True, [cafe()], DECISION, "2025-09-01", flag, TODAY)
    assert later.verdict == "eligible"


@pytest.mark.parametrize(
    ("beyond", "verdict", "words"),
    [
        ("judge_today", "eligible", "judged on today's registry data"),
        ("refer", "needs_review", "referred to a clerk"),
    ],
)
def test_a_period_older_than_aades_window(beyond: str, verdict: str, words: str) -> None:
    old = AffectedList.build(
        "affected", "1", ["56.30"], decision="43/2020", period_from=date(2020, 3, 14),
        period_to=date(2020, 6, 30), beyond_window=beyond,
    )  # fmt: skip
    judged = judge(True, [cafe()], old, today=TODAY)
    assert judged.verdict == verdict
    assert codes(judged) == ["KAD_LISTED", "PERIOD_BEYOND_REGISTRY_WINDOW"]
    assert judged.causes[1].facts == {
        "period_from": "2020-03-14",
        "action": words,
    }
    assert words in judged.reasons[1]
    # three years back is still inside the window
    recent = AffectedList.build("a", "1", ["56.30"], period_from=date(2023, 11, 23))
    assert codes(judge(True, [cafe()], recent, today=TODAY)) == ["KAD_LISTED"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"beyond_window": "ask_the_mayor"}, "beyond_registry_window must be one of"),
        ({"period_from": date(2025, 6, 1), "period_to": date(2025, 1, 1)}, "ends (2025-01-01) before it starts"),
    ],
)  # fmt: skip
def test_a_rule_that_cannot_be(changes: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AffectedList.build("a", "1", ["56.30"], **changes)
