"""A mock e-protocol registry speaking our REST contract (gateway/contracts/protocol/protocol.openapi.yaml).

Numbering restarts each year from a configurable start; registering an
external reference again answers with the first registration (the contract's
deduplication), and every registration is visible at /_mock/state.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from mocks.base import MockBackend

REQUIRED = ("external_reference", "subject", "sender", "department")
#: the departments a municipality's registry knows (the plugin's defaults route to these)
DEPARTMENTS = (
    "Τμήμα Εσόδων",
    "Τμήμα Ταμείου",
    "Ληξιαρχείο",
    "Τμήμα Προσωπικού",
    "Τμήμα Καθαριότητας",
    "Γραφείο Πρωτοκόλλου",
)


class FakeProtocolRegistry(MockBackend):
    name = "protocol"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = "protocol-test-token",
        first_number: int = 28635,
        registry: str = "e-protocol",
        departments: tuple[str, ...] = DEPARTMENTS,
    ) -> None:
        self.departments = departments
        self.token = token
        self.first_number = first_number
        self.registry = registry
        self.documents: dict[str, dict[str, Any]] = {}
        self.counters: dict[int, int] = {}
        super().__init__(host, port)

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/v1/documents", self._register)
        app.router.add_get("/api/v1/documents", self._find)
        app.router.add_get("/api/v1/health", self._health)

    def state(self) -> dict[str, Any]:
        return {"documents": list(self.documents.values()), "counters": self.counters}

    def reset_state(self) -> None:
        self.documents.clear()
        self.counters.clear()

    @staticmethod
    def _error(status: int, message: str, details: list[str] | None = None) -> web.Response:
        return web.json_response({"error": message, "details": details or []}, status=status)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    async def _register(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "invalid or missing bearer token")
        try:
            body = await request.json()
        except ValueError:
            return self._error(422, "the body is not JSON")
        if not isinstance(body, dict):
            return self._error(422, "the body is not an object")
        missing = [field for field in REQUIRED if not body.get(field)]
        if missing:
            return self._error(
                422, "required fields are missing", [f"{field} is required" for field in missing]
            )
        if not isinstance(body["sender"], dict) or not body["sender"].get("full_name"):
            return self._error(422, "sender.full_name is required")
        if body["department"] not in self.departments:
            return self._error(
                422,
                f"unknown department {body['department']!r}",
                [f"known departments: {', '.join(self.departments)}"],
            )
        reference = str(body["external_reference"])
        if reference in self.documents:
            return web.json_response(self.documents[reference], status=200)
        today = date.today()
        number = self.first_number + self.counters.get(today.year, 0)
        self.counters[today.year] = self.counters.get(today.year, 0) + 1
        document = {
            "external_reference": reference,
            "protocol_number": str(number),
            "protocol_date": today.isoformat(),
            "registry": self.registry,
            "display": f"{number}/{today:%d-%m-%Y}",
            "subject": body["subject"],
            "department": body["department"],
        }
        self.documents[reference] = document
        return web.json_response(document, status=201)

    async def _find(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "invalid or missing bearer token")
        reference = request.query.get("external_reference")
        if not reference:
            return self._error(422, "external_reference is required")
        document = self.documents.get(reference)
        return (
            web.json_response(document)
            if document
            else self._error(404, f"no document with reference {reference!r}")
        )

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "version": "e-protocol mock 1.0"})
