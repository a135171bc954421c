"""What the asep plugin sends, and the ranking it accepts back: pure functions."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.errors import InvalidInputError, PermanentError
from plugins.asep.mapping import application_of, ranked_data, ranking_of, segment
from tests.plugins.asep.support import COMPETITION, application_event

TYPES = ["asep_hiring_application"]
GOOD: dict[str, Any] = {
    "application_id": "R-1",
    "competition": "C",
    "position": 2,
    "candidates": 5,
    "points": "10.50",
    "provisional": True,
    "ranked_at": "2026-11-20T07:15:01Z",
}


def test_the_body_carries_the_candidate_and_the_declared_criteria() -> None:
    competition, body = application_of(application_event(), TYPES)
    assert competition == COMPETITION
    assert body == {
        "application_id": "REQ-2026-0004",
        "candidate": {"afm": "094259216", "full_name": "Μαρία Παπαδοπούλου"},
        "criteria": {"unemployment_months": 8, "children": 2, "degree_grade": 7.5},
        "position_code": "101",
        "submitted_at": "2026-11-20T09:14:58+02:00",
    }


def test_a_competition_is_one_path_segment() -> None:
    assert segment("ΣΟΧ 1/2026") == "%CE%A3%CE%9F%CE%A7%201%2F2026"
    assert "/" not in segment("../../admin")


@pytest.mark.parametrize(
    "details",
    [
        None,
        {},
        {"competition": "C"},
        {"criteria": {"children": 1}},
        "C",
        {"competition": "", "criteria": {"a": 1}},
    ],
)
def test_an_application_without_its_details_is_refused_for_good(details: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"data\.details\.competition"):
        application_of(application_event(details=details), TYPES)


def test_another_type_is_a_routing_mistake() -> None:
    with pytest.raises(PermanentError, match="check the routes"):
        application_of(application_event(request_type="fee_exemption"), TYPES)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"position": 0}, "position"),
        ({"position": True}, "position"),
        ({"candidates": "5"}, "candidates"),
        ({"points": 10.5}, "points"),
        ({"points": "10.5"}, "points"),
        ({"points": "-1.00"}, "points"),
        ({"provisional": "yes"}, "provisional"),
        ({"ranked_at": "2026-11-20T07:15:01"}, "ranked_at"),
        ({"ranked_at": "yesterday"}, "ranked_at"),
        ({"application_id": None}, "application_id"),
        ({"application_id": "R-2"}, "not 'R-1'"),
        ({"position": 6}, "position 6 of 5"),
    ],
)
def test_a_ranking_that_does_not_fit_is_named(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        ranking_of({**GOOD, **changes}, "R-1")


@pytest.mark.parametrize("answer", [None, [], "ranked", 3])
def test_a_ranking_must_be_an_object(answer: Any) -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        ranking_of(answer, "R-1")


def test_long_or_odd_optional_fields_are_dropped() -> None:
    kept = ranking_of({**GOOD, "ranking_id": "x" * 500, "position_code": 7}, "R-1")
    assert "ranking_id" not in kept and "position_code" not in kept


def test_the_derived_event_carries_what_the_email_needs() -> None:
    data = ranked_data(
        application_event(locale="en", notify=[]),
        ranking_of({**GOOD, "application_id": "REQ-2026-0004"}, "REQ-2026-0004"),
    )
    assert data["request_id"] == "REQ-2026-0004" and "application_id" not in data
    assert data["locale"] == "en" and data["notify"] == [] and data["citizen"]["afm"]
