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
        "the business stopped trading on 2024-06-30 (stop_date); it is not eligible"
    ]


def test_a_former_professional_is_not_eligible() -> None:
    verdict = judge(True, [cafe()], RULE, firm_flag="πρωην  επιτηδευματιας".upper())
    assert not verdict.eligible and "ΠΡΩΗΝ ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ" in verdict.reasons[0]
    assert judge(True, [cafe()], RULE, firm_flag="ΕΠΙΤΗΔΕΥΜΑΤΙΑΣ").eligible
