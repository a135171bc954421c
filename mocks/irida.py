"""A mock of ΙΡΙΔΑ's External API v2 as the real one behaves (contracts/protocol/irida.openapi.yaml).

- a token from `POST /iris/api/v2/common/token` lives `token_ttl` seconds (8 h);
  wrong credentials answer HTTP 200 with the text `invalid_username_or_password`;
- every other call needs the bearer token (401 otherwise) and, but for the
  profile list, an `x-profile` from that list (403 otherwise);
- a multipart send registers the document at each recipient with the next
  number of the year, and it does NOT deduplicate: the same send twice makes
  two registrations, like the real service;
- the inbox lists what was registered, so a sender can look for its document.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from datetime import date, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from mocks.base import MockBackend

API = "/iris/api/v2"
MAX_FILE_BYTES = 28 * 1024 * 1024
FILE_TYPES = (".pdf", ".doc", ".docx")
ATHENS = ZoneInfo("Europe/Athens")

PROFILES = [
    {"positionName": "ΓΡΑΦΕΙΟ ΠΡΩΤΟΚΟΛΛΟΥ", "dutyName": "Χειριστής", "xProfile": "1001-2001"},
    {"positionName": "ΔΙΕΥΘΥΝΣΗ ΟΙΚΟΝΟΜΙΚΩΝ", "dutyName": "Προϊστάμενος", "xProfile": "1002-2002"},
]
ROOTS = [
    {"id": "7001", "description": "Τμήμα Εσόδων"},
    {"id": "7002", "description": "Τμήμα Ταμείου"},
    {"id": "7003", "description": "Ληξιαρχείο"},
    {"id": "7004", "description": "Τμήμα Προσωπικού"},
    {"id": "7005", "description": "Τμήμα Καθαριότητας"},
    {"id": "7006", "description": "Γραφείο Πρωτοκόλλου"},
]


class FakeIrida(MockBackend):
    name = "irida"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "gateway",
        password: str = "irida-test-password",
        first_number: int = 28635,
        token_ttl: float = 8 * 3600,
    ) -> None:
        self.username = username
        self.password = password
        self.first_number = first_number
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.documents: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.counters: dict[int, int] = {}
        self._ids = itertools.count(1)
        super().__init__(host, port)

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post(f"{API}/common/token", self._token)
        app.router.add_get(f"{API}/external/profiles", self._profiles)
        app.router.add_get(f"{API}/external/roots", self._roots)
        app.router.add_post(f"{API}/external", self._send)
        app.router.add_get(f"{API}/external/inbox/{{received}}", self._inbox)
        app.router.add_get(f"{API}/external/document/{{doc_id}}", self._document)
        app.router.add_get(f"{API}/external/document/{{doc_id}}/file/{{file_id}}", self._file)

    def state(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "counters": self.counters,
            "token_requests": self.token_requests,
            "live_tokens": sum(1 for expiry in self.tokens.values() if expiry > time.monotonic()),
        }

    def reset_state(self) -> None:
        self.tokens.clear()
        self.token_requests = 0
        self.documents.clear()
        self.files.clear()
        self.counters.clear()

    def expire_tokens(self) -> None:
        """Every issued token stops working, as after 8 hours."""
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def registrations_of(self, text: str) -> list[dict[str, Any]]:
        """Documents whose subject contains `text` (a test counts registrations with it)."""
        return [d for d in self.documents if text in d["subject"]]

    # -- authentication --------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await _form(request)
        if form.get("username") != self.username or form.get("password") != self.password:
            # the real service's quirk: bad credentials are a 200 with a text body
            return web.Response(text="invalid_username_or_password", content_type="text/plain")
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.monotonic() + self.token_ttl
        return web.json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": int(self.token_ttl)}
        )

    def _refused(self, request: web.Request, profile: bool = True) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if self.tokens.get(token, 0.0) <= time.monotonic():
            return web.json_response(
                {"message": "Unauthorized: invalid or expired token"}, status=401
            )
        if profile and request.headers.get("x-profile") not in {p["xProfile"] for p in PROFILES}:
            return web.json_response(
                {"message": "Forbidden: missing or unknown x-profile"}, status=403
            )
        return None

    async def _profiles(self, request: web.Request) -> web.Response:
        return self._refused(request, profile=False) or web.json_response(PROFILES)

    async def _roots(self, request: web.Request) -> web.Response:
        return self._refused(request) or web.json_response(ROOTS)

    # -- documents ---------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        if not request.content_type.startswith("multipart/form-data"):
            return _invalid(["the body must be multipart/form-data"])
        parts = _multipart(request.content_type, request.headers, await request.read())
        fields: dict[str, list[str]] = {}
        files: list[tuple[str, str, bytes]] = []
        for name, filename, media_type, payload in parts:
            if filename is not None:
                files.append((filename, media_type, payload))
            else:
                fields.setdefault(name, []).append(payload.decode("utf-8", "replace"))
        errors = []
        subject = (fields.get("Subject") or [""])[0].strip()
        sender = (fields.get("Sender") or [""])[0].strip()
        recipients = fields.get("Recipients") or []
        if not subject:
            errors.append("Subject is required")
        if not sender:
            errors.append("Sender is required")
        if not recipients:
            errors.append("at least one of Recipients is required")
        roots = {root["id"]: root for root in ROOTS}
        errors += [f"unknown recipient {r!r}" for r in recipients if r not in roots]
        if not files:
            errors.append("at least one of Files is required")
        for filename, _media, payload in files:
            if not filename.lower().endswith(FILE_TYPES):
                errors.append(f"{filename}: only pdf, doc and docx files are accepted")
            if len(payload) > MAX_FILE_BYTES:
                errors.append(f"{filename}: larger than 28 MB")
        if errors:
            return _invalid(errors)
        registered = []
        today = datetime.now(ATHENS).date()
        for root_id in recipients:
            document = self._register(
                subject, sender, roots[root_id], files, today, fields.get("RegistrationNumber")
            )
            registered.append(
                {"rootId": root_id, "rootName": document["rootName"], "regNo": document["regNo"]}
            )
        return web.json_response({"data": registered})

    def _register(
        self,
        subject: str,
        sender: str,
        root: dict[str, str],
        files: list[tuple[str, str, bytes]],
        today: date,
        registration_number: list[str] | None,
    ) -> dict[str, Any]:
        number = self.first_number + self.counters.get(today.year, 0)
        self.counters[today.year] = self.counters.get(today.year, 0) + 1
        doc_id = str(next(self._ids))
        stored: list[dict[str, Any]] = []
        for filename, media_type, payload in files:
            file_id = f"{doc_id}-{len(stored) + 1}"
            self.files[file_id] = {
                "fileName": filename,
                "mediaType": media_type,
                "base64ByteArray": base64.b64encode(payload).decode(),
            }
            stored.append({"id": file_id, "fileName": filename, "size": len(payload)})
        document = {
            "id": doc_id,
            "subject": subject,
            "sender": sender,
            "rootId": root["id"],
            "rootName": root["description"],
            "regNo": f"{number}/{today:%d-%m-%Y}",
            "senderRegistrationNumber": (registration_number or ["ΑΝΕΥ"])[0],
            "received": False,
            "createdAt": datetime.now(ATHENS).isoformat(timespec="seconds"),
            "files": stored,
        }
        self.documents.append(document)
        return document

    async def _inbox(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        flag = request.match_info["received"].lower()
        if flag not in ("true", "false"):
            return _invalid([f"received must be true or false, not {flag!r}"])
        wanted = flag == "true"
        listed = [
            {k: d[k] for k in ("id", "subject", "regNo", "rootId", "rootName", "createdAt")}
            for d in self.documents
            if d["received"] is wanted
        ]
        return web.json_response(listed)

    async def _document(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        found = next((d for d in self.documents if d["id"] == request.match_info["doc_id"]), None)
        if found is None:
            return web.json_response({"message": "document not found"}, status=404)
        return web.json_response(found)

    async def _file(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        found = self.files.get(request.match_info["file_id"])
        if found is None or not request.match_info["file_id"].startswith(
            request.match_info["doc_id"] + "-"
        ):
            return web.json_response({"message": "file not found"}, status=404)
        return web.json_response(found)


def _invalid(errors: list[str]) -> web.Response:
    return web.json_response({"message": "Validation failed", "errors": errors}, status=400)


async def _form(request: web.Request) -> dict[str, str]:
    """The url-encoded form (the middleware has read the body already, so parse the bytes)."""
    from urllib.parse import parse_qs

    body = (await request.read()).decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(body).items()}


def _multipart(
    content_type: str, headers: Any, body: bytes
) -> list[tuple[str, str | None, str, bytes]]:
    """(field name, file name or None, media type, bytes) of each part."""
    raw_type = headers.get("Content-Type", content_type)
    message: Message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + raw_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    parts = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition") or ""
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        parts.append((str(name), filename, part.get_content_type(), payload))
    return parts
