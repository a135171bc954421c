"""The ranking software's mock as a real server: its formula, its order, its idempotency, its refusals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mocks.asep import FakeRankingSoftware, points_of
from plugins.asep.settings import DEFAULT_CAPS, DEFAULT_WEIGHTS

SEGMENT = "%CE%A3%CE%9F%CE%A7%201%2F2026"
AUTH = {"Authorization": "Bearer asep-test-token"}


@pytest.fixture
async def software():  # type: ignore[no-untyped-def]
    mock = FakeRankingSoftware(weights=DEFAULT_WEIGHTS, caps=DEFAULT_CAPS)
    await mock.start()
    async with httpx.AsyncClient(base_url=mock.url + "/api/v1", headers=AUTH) as client:
        yield mock, client
    await mock.stop()


def body(application_id: str, **criteria: Any) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "candidate": {"afm": "094259216", "full_name": "Μαρία Παπαδοπούλου"},
        "criteria": criteria or {"children": 1},
    }


def test_the_formula_weighs_and_caps_each_criterion() -> None:
    assert str(
        points_of({"unemployment_months": 30, "children": 2}, DEFAULT_WEIGHTS, DEFAULT_CAPS)
    ) == (
        "2500.00"  # 12 months counted of 30, × 200, and 2 × 50
    )
    assert (
        str(points_of({"single_parent": True, "degree_grade": 7.25}, DEFAULT_WEIGHTS, {}))
        == "340.00"
    )
    assert str(points_of({"single_parent": False}, DEFAULT_WEIGHTS, {})) == "0.00"
    assert str(points_of({"children": 3}, {"children": 1.5}, {})) == "4.50"  # another formula


async def test_it_ranks_by_points_then_by_who_came_first(software) -> None:  # type: ignore[no-untyped-def]
    _mock, client = software
    url = f"/competitions/{SEGMENT}/applications"
    first = (await client.post(url, json=body("A", children=2))).json()
    assert (first["position"], first["candidates"], first["points"]) == (1, 1, "100.00")
    second = await client.post(url, json=body("B", unemployment_months=1))
    assert second.status_code == 201 and second.json()["position"] == 1
    tie = (await client.post(url, json=body("C", children=2))).json()
    assert (tie["position"], tie["candidates"]) == (3, 3)  # same points as A, later
    now = (await client.get(f"{url}/A/ranking")).json()
    assert (now["position"], now["candidates"], now["provisional"]) == (2, 3, True)


async def test_the_same_application_again_is_not_ranked_twice(software) -> None:  # type: ignore[no-untyped-def]
    mock, client = software
    url = f"/competitions/{SEGMENT}/applications"
    created = await client.post(url, json=body("A"))
    again = await client.post(url, json=body("A"))
    assert (created.status_code, again.status_code) == (201, 200)
    assert again.json() == created.json()
    other = await client.post(url, json=body("A", children=4))
    assert other.status_code == 409 and "other data" in other.json()["error"]
    assert len(mock.applications["ΣΟΧ 1/2026"]) == 1


@pytest.mark.parametrize(
    ("criteria", "words"),
    [
        ({}, "at least one criterion"),
        ({"children": "2"}, "children must be a number"),
        ({"children": True}, "children must be a number"),
        ({"children": 1.5}, "children must be a whole number"),
        ({"unemployment_months": -1}, "must not be negative"),
        ({"single_parent": 1}, "single_parent must be true or false"),
        ({"height_cm": 180}, "unknown criterion 'height_cm'"),
    ],
)
async def test_criteria_that_do_not_fit_are_refused(software, criteria, words) -> None:  # type: ignore[no-untyped-def]
    _mock, client = software
    application = {**body("A"), "criteria": criteria}
    answer = await client.post(f"/competitions/{SEGMENT}/applications", json=application)
    assert answer.status_code == 422 and any(words in d for d in answer.json()["details"])


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"{not json", 422), (b"[1]", 422), (b'{"criteria": {"children": 1}}', 422)],
)
async def test_a_body_that_is_not_an_application_is_refused(software, content, status) -> None:  # type: ignore[no-untyped-def]
    _mock, client = software
    answer = await client.post(f"/competitions/{SEGMENT}/applications", content=content)
    assert answer.status_code == status and answer.json()["error"]


async def test_a_wrong_token_or_competition_is_refused(software) -> None:  # type: ignore[no-untyped-def]
    mock, client = software
    url = f"/competitions/{SEGMENT}/applications"
    wrong = await client.post(url, json=body("A"), headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    closed = await client.post("/competitions/K%201%2F2020/applications", json=body("A"))
    assert closed.status_code == 404 and "no open competition" in closed.json()["error"]
    missing = await client.get(f"{url}/NOPE/ranking")
    assert missing.status_code == 404
    assert (await client.get("/health")).status_code == 200
    assert mock.applications == {}
