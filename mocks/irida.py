"""A mock of ΙΡΙΔΑ's External API v2.2 as its documentation says it behaves (gateway/contracts/protocol/irida.openapi.yaml).

- a token from `POST /iris/api/v2/common/token` lives `token_ttl` seconds (8 h);
  wrong credentials answer HTTP 200 with the text `invalid_username_or_password`;
- every other call needs the bearer token (401 otherwise) and, but for the
  profile list, an `x-profile` from that list (403 otherwise);
- roots are organisations; our departments are inner positions, listed page
  by page at `/external/positions` and addressed as "positionId-dutyId";
- a multipart send (`/external` to roots, `/external/innerPositions` to
  positions) registers the document with the next number of the year and
  answers a bare list, one item per recipient, with `regNo` the number alone.
  It does NOT deduplicate: the same send twice makes two registrations;
- the inbox lists replies to our documents (`add_reply`), never our sends;
- options (`set_options`, or `POST /_mock/options`): `key_case` "upper" answers
  `Id`/`RegNo`/`PositionId` as some environments do; `wrap_data` answers a
  send as `{"data": [...]}`; `daily_quota` answers 429 once that many calls
  were made; `allowed_addresses` answers 401 to any other caller, as the real
  service does for an address not on its allow-list.
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
#: roots are organisations (φορείς), not departments
ROOTS = [
    {"id": "7001", "description": "Δήμος Σερρών"},
    {"id": "7002", "description": "Δήμος Δράμας"},
    {"id": "7003", "description": "Περιφέρεια Κεντρικής Μακεδονίας"},
]
UNIT = "Δήμος Σερρών"
#: our organisation's inner positions; the protocol office has two duties
POSITIONS = [
    {"positionId": 101, "positionName": "Τμήμα Εσόδων", "dutyId": 1, "dutyName": "Προϊστάμενος"},
    {"positionId": 102, "positionName": "Τμήμα Ταμείου", "dutyId": 1, "dutyName": "Προϊστάμενος"},
    {"positionId": 103, "positionName": "Ληξιαρχείο", "dutyId": 2, "dutyName": "Ληξίαρχος"},
    {
        "positionId": 104,
        "positionName": "Τμήμα Προσωπικού",
        "dutyId": 1,
        "dutyName": "Προϊστάμενος",
    },
    {
        "positionId": 105,
        "positionName": "Τμήμα Καθαριότητας",
        "dutyId": 1,
        "dutyName": "Προϊστάμενος",
    },
    {
        "positionId": 107,
        "positionName": "Υπηρεσία Δόμησης",
        "dutyId": 1,
        "dutyName": "Προϊστάμενος",
    },
    {
        "positionId": 106,
        "positionName": "Γραφείο Πρωτοκόλλου",
        "dutyId": 3,
        "dutyName": "Χειριστής",
    },
    {
        "positionId": 106,
        "positionName": "Γραφείο Πρωτοκόλλου",
        "dutyId": 1,
        "dutyName": "Προϊστάμενος",
    },
]
for _position in POSITIONS:
    _position.update(
        unitName=UNIT, displayName=f"{_position['positionName']} ({_position['dutyName']})"
    )
DEFAULT_PAGE_SIZE = 20


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
        self.replies: list[dict[str, Any]] = []
        self.calls_today = 0
        self.key_case = "lower"
        self.wrap_data = False
        self.daily_quota: int | None = None
        self.allowed_addresses: set[str] | None = None
        self.page_size_cap = DEFAULT_PAGE_SIZE
        self._ids = itertools.count(1)
        super().__init__(host, port)

    def set_options(self, **options: Any) -> None:
        """ValueError names a wrong option; see the module's docstring."""
        unknown = set(options) - {
            "key_case",
            "wrap_data",
            "daily_quota",
            "allowed_addresses",
            "page_size_cap",
        }
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
        if options.get("key_case", "lower") not in ("lower", "upper"):
            raise ValueError('key_case must be "lower" or "upper"')
        quota = options.get("daily_quota")
        if quota is not None and (not isinstance(quota, int) or quota < 0):
            raise ValueError("daily_quota must be a whole number >= 0, or null")
        cap = options.get("page_size_cap", 1)
        if not isinstance(cap, int) or cap < 1:
            raise ValueError("page_size_cap must be a whole number >= 1")
        for key, value in options.items():
            if key == "allowed_addresses" and value is not None:
                value = set(value)
            setattr(self, key, value)

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post(f"{API}/common/token", self._token)
        app.router.add_get(f"{API}/external/profiles", self._profiles)
        app.router.add_get(f"{API}/external/roots", self._roots)
        app.router.add_get(f"{API}/external/positions", self._positions)
        app.router.add_post(f"{API}/external", self._send)
        app.router.add_post(f"{API}/external/innerPositions", self._send)
        app.router.add_post("/_mock/options", self._admin_options)
        app.router.add_get(f"{API}/external/inbox/{{received}}", self._inbox)
        app.router.add_get(f"{API}/external/document/{{doc_id}}", self._document)
        app.router.add_get(f"{API}/external/document/{{doc_id}}/file/{{file_id}}", self._file)

    def state(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "replies": self.replies,
            "counters": self.counters,
            "calls_today": self.calls_today,
            "token_requests": self.token_requests,
            "live_tokens": sum(1 for expiry in self.tokens.values() if expiry > time.monotonic()),
        }

    def reset_state(self) -> None:
        self.tokens.clear()
        self.token_requests = 0
        self.documents.clear()
        self.files.clear()
        self.counters.clear()
        self.replies.clear()
        self.calls_today = 0
        self.set_options(
            key_case="lower",
            wrap_data=False,
            daily_quota=None,
            allowed_addresses=None,
            page_size_cap=DEFAULT_PAGE_SIZE,
        )

    def expire_tokens(self) -> None:
        """Every issued token stops working, as after 8 hours."""
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def add_reply(self, document_id: str, title: str = "Απάντηση") -> dict[str, Any]:
        """Another organisation answers one of our documents: the reply shows in our inbox."""
        original = next(d for d in self.documents if d["id"] == document_id)
        reply = {
            "documentId": str(next(self._ids)),
            "title": title,
            "regNo": str(self._next_number(datetime.now(ATHENS).date())),
            "received": False,
            "directoryReferences": [
                {
                    "referenceId": original["id"],
                    "referenceRegNo": original["regNo"],
                    "sender": original["recipientName"],
                }
            ],
        }
        self.replies.append(reply)
        return reply

    def registrations_of(self, text: str) -> list[dict[str, Any]]:
        """Documents whose subject contains `text` (a test counts registrations with it)."""
        return [d for d in self.documents if text in d["subject"]]

    # -- authentication --------------------------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        limited = self._gate(request)
        if limited:
            return limited
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

    def _gate(self, request: web.Request) -> web.Response | None:
        """The allow-list and the daily quota, before anything else; every call counts."""
        if self.allowed_addresses is not None and request.remote not in self.allowed_addresses:
            return web.json_response(
                {"message": f"Unauthorized: {request.remote} is not an allowed address"}, status=401
            )
        self.calls_today += 1
        if self.daily_quota is not None and self.calls_today > self.daily_quota:
            return web.json_response(
                {"message": "Too Many Requests: daily quota exceeded"},
                status=429,
                headers={"Retry-After": "3600"},
            )
        return None

    def _refused(self, request: web.Request, profile: bool = True) -> web.Response | None:
        gated = self._gate(request)
        if gated:
            return gated
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

    def _json(self, body: Any, status: int = 200) -> web.Response:
        return web.json_response(_cased(body, self.key_case), status=status)

    async def _profiles(self, request: web.Request) -> web.Response:
        return self._refused(request, profile=False) or self._json(PROFILES)

    async def _roots(self, request: web.Request) -> web.Response:
        return self._refused(request) or self._json(ROOTS)

    async def _positions(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        try:
            number = int(request.query.get("pageNumber", "1"))
            size = min(int(request.query.get("pageSize", DEFAULT_PAGE_SIZE)), self.page_size_cap)
        except ValueError:
            return _invalid(["pageNumber and pageSize must be whole numbers"])
        if number < 1 or size < 1:
            return _invalid(["pageNumber and pageSize start at 1"])
        pages = max(1, -(-len(POSITIONS) // size))
        page = POSITIONS[(number - 1) * size : number * size]
        pagination = {
            "pageNumber": number,
            "pageSize": size,
            "totalRecords": len(POSITIONS),
            "totalPages": pages,
        }
        return self._json({"data": page, "pagination": pagination})

    async def _admin_options(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("send a JSON object")
            self.set_options(**body)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"key_case": self.key_case, "wrap_data": self.wrap_data})

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
        inner = request.path.endswith("/innerPositions")
        known = _inner_positions() if inner else {root["id"]: root["description"] for root in ROOTS}
        errors += [
            f"unknown recipient {r!r}"
            + (
                ' (inner positions are "positionId-dutyId")'
                if inner
                else " (roots are organisations)"
            )
            for r in recipients
            if r not in known
        ]
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
        for recipient in recipients:
            document = self._register(
                subject,
                sender,
                recipient,
                known[recipient],
                files,
                today,
                fields.get("RegistrationNumber"),
            )
            if inner:
                position_id, duty_id = recipient.split("-")
                position = next(
                    p
                    for p in POSITIONS
                    if str(p["positionId"]) == position_id and str(p["dutyId"]) == duty_id
                )
                item = {
                    "positionId": position["positionId"],
                    "dutyId": position["dutyId"],
                    "positionName": position["positionName"],
                    "dutyName": position["dutyName"],
                    "regNo": document["regNo"],
                }
            else:
                item = {
                    "rootId": recipient,
                    "rootName": known[recipient],
                    "regNo": document["regNo"],
                }
            registered.append(item)
        return self._json({"data": registered} if self.wrap_data else registered)

    def _register(
        self,
        subject: str,
        sender: str,
        recipient: str,
        recipient_name: str,
        files: list[tuple[str, str, bytes]],
        today: date,
        registration_number: list[str] | None,
    ) -> dict[str, Any]:
        number = self._next_number(today)
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
            "recipient": recipient,
            "recipientName": recipient_name,
            "department": recipient_name,
            "regNo": str(number),
            "registeredOn": today.isoformat(),
            "senderRegistrationNumber": (registration_number or ["ΑΝΕΥ"])[0],
            "received": False,
            "createdAt": datetime.now(ATHENS).isoformat(timespec="seconds"),
            "files": stored,
        }
        self.documents.append(document)
        return document

    def _next_number(self, today: date) -> int:
        """Numbers run per organisation and restart each year."""
        number = self.first_number + self.counters.get(today.year, 0)
        self.counters[today.year] = self.counters.get(today.year, 0) + 1
        return number

    async def _inbox(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        flag = request.match_info["received"].lower()
        if flag not in ("true", "false"):
            return _invalid([f"received must be true or false, not {flag!r}"])
        wanted = flag == "true"
        return self._json([reply for reply in self.replies if reply["received"] is wanted])

    async def _document(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused:
            return refused
        found = next((d for d in self.documents if d["id"] == request.match_info["doc_id"]), None)
        if found is None:
            return web.json_response({"message": "document not found"}, status=404)
        return self._json(found)

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


def _inner_positions() -> dict[str, str]:
    return {f"{p['positionId']}-{p['dutyId']}": str(p["positionName"]) for p in POSITIONS}


def _cased(value: Any, case: str) -> Any:
    """Keys as an environment writes them: camelCase ("lower") or PascalCase ("upper")."""
    if case == "lower":
        return value
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _cased(v, case) for k, v in value.items()}
    if isinstance(value, list):
        return [_cased(item, case) for item in value]
    return value


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
