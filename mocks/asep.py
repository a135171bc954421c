"""A mock of the municipality's ranking software, speaking our assumed contract (contracts/asep/).

It ranks at once by a configurable points formula, the sum over the
criteria of weight × units (capped), and orders a competition by points,
then by who applied first. Submitting an application id again answers its
ranking as it stands (HTTP 200) and ranks nothing twice; a different body
under the same id is a 409. Everything it holds is at /_mock/state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from mocks.base import MockBackend

CRITERIA_KINDS: dict[str, type] = {
    "unemployment_months": int,
    "children": int,
    "single_parent": bool,
    "disability_percent": int,
    "degree_grade": float,
    "experience_months": int,
}


def points_of(
    criteria: Mapping[str, Any], weights: Mapping[str, float], caps: Mapping[str, float]
) -> Decimal:
    total = Decimal(0)
    for name, value in criteria.items():
        units = Decimal(1 if value is True else 0 if value is False else str(value))
        if name in caps:
            units = min(units, Decimal(str(caps[name])))
        total += units * Decimal(str(weights.get(name, 0)))
    return total.quantize(Decimal("0.01"))


def criteria_problems(criteria: Any) -> list[str]:
    if not isinstance(criteria, dict) or not criteria:
        return ["criteria must be an object with at least one criterion"]
    problems = []
    for name, value in criteria.items():
        kind = CRITERIA_KINDS.get(name)
        if kind is None:
            problems.append(f"unknown criterion {name!r}")
        elif kind is bool and not isinstance(value, bool):
            problems.append(f"{name} must be true or false")
        elif kind is not bool and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(f"{name} must be a number")
        elif kind is int and not isinstance(value, int):
            problems.append(f"{name} must be a whole number")
        elif kind is not bool and value < 0:
            problems.append(f"{name} must not be negative")
    return problems


class FakeRankingSoftware(MockBackend):
    name = "asep"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        base_path: str = "/api/v1",
        token: str = "asep-test-token",
        competitions: Sequence[str] = ("ΣΟΧ 1/2026", "ΣΟΧ 2/2026"),
        weights: Mapping[str, float] | None = None,
        caps: Mapping[str, float] | None = None,
    ) -> None:
        self.base = base_path.rstrip("/")
        self.token = token
        self.competitions = list(competitions)
        self.weights = dict(weights or {})
        self.caps = dict(caps or {})
        #: competition → application id → what was submitted and its points, in order of arrival
        self.applications: dict[str, dict[str, dict[str, Any]]] = {}
        super().__init__(host, port)

    def setup_routes(self, app: web.Application) -> None:
        base = self.base
        app.router.add_post(base + "/competitions/{competition}/applications", self._submit)
        app.router.add_get(
            base + "/competitions/{competition}/applications/{application}/ranking", self._ranking
        )
        app.router.add_get(base + "/health", self._health)

    def state(self) -> dict[str, Any]:
        return {
            "applications": self.applications,
            "weights": self.weights,
            "caps": self.caps,
            "competitions": self.competitions,
        }

    def reset_state(self) -> None:
        self.applications.clear()

    @staticmethod
    def _error(status: int, message: str, details: list[str] | None = None) -> web.Response:
        return web.json_response({"error": message, "details": details or []}, status=status)

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "invalid or missing bearer token")
        if request.match_info["competition"] not in self.competitions:
            return self._error(404, f"no open competition {request.match_info['competition']!r}")
        return None

    def _ranking_of(self, competition: str, application_id: str) -> dict[str, Any]:
        held = self.applications[competition]
        order = sorted(held.values(), key=lambda a: (-Decimal(a["points"]), a["sequence"]))
        position = next(i for i, a in enumerate(order, 1) if a["application_id"] == application_id)
        mine = held[application_id]
        answer = {
            "application_id": application_id,
            "competition": competition,
            "position": position,
            "candidates": len(order),
            "points": mine["points"],
            "provisional": True,
            "ranking_id": f"RNK-{competition}-{mine['sequence']:06d}",
            "ranked_at": mine["ranked_at"],
        }
        if mine["body"].get("position_code"):
            answer["position_code"] = mine["body"]["position_code"]
        return answer

    async def _submit(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        competition = request.match_info["competition"]
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return self._error(422, "the body is not JSON")
        if not isinstance(body, dict):
            return self._error(422, "the body is not an object")
        problems = [f"{k} is required" for k in ("application_id", "candidate") if not body.get(k)]
        problems += criteria_problems(body.get("criteria"))
        if problems:
            return self._error(422, "the application does not fit", problems)
        application_id = str(body["application_id"])
        held = self.applications.setdefault(competition, {})
        if application_id in held:
            if held[application_id]["body"] != body:
                return self._error(
                    409, f"application {application_id} was submitted with other data"
                )
            return web.json_response(self._ranking_of(competition, application_id), status=200)
        held[application_id] = {
            "application_id": application_id,
            "body": body,
            "points": str(points_of(body["criteria"], self.weights, self.caps)),
            "sequence": sum(len(apps) for apps in self.applications.values()) + 1,
            "ranked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return web.json_response(self._ranking_of(competition, application_id), status=201)

    async def _ranking(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        competition, application_id = (
            request.match_info["competition"],
            request.match_info["application"],
        )
        if application_id not in self.applications.get(competition, {}):
            return self._error(404, f"no application {application_id!r} in {competition!r}")
        return web.json_response(
            self._ranking_of(competition, application_id),
            dumps=lambda v: json.dumps(v, ensure_ascii=False),
        )

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"version": "mock-ranking 1.0"})
