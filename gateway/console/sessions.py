"""Console sessions: a signed cookie, so any process with the key serves the same operator.

The cookie holds the login, a CSRF token, when the session began and when it
was last used, and a fingerprint of the operator's password hash: a changed
password (config edited, then SIGHUP) ends every session of that operator.
Idle sessions and old ones end on their own; signing out ends this one in
this process at once, and everywhere when the idle time passes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace

import orjson

COOKIE = "gateway_console"
#: a session is re-signed at most this often, so a page view rarely sets a cookie
REFRESH_AFTER = 60.0


@dataclass(frozen=True)
class Session:
    sid: str
    login: str
    csrf: str
    issued: float
    seen: float
    fingerprint: str


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, key: bytes, idle_seconds: float, max_seconds: float) -> None:
        self._key = key
        self.idle = idle_seconds
        self.max_age = max_seconds
        self._ended: dict[str, float] = {}

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()

    def new(self, login: str, password_hash: str, now: float) -> Session:
        return Session(
            secrets.token_urlsafe(16),
            login,
            secrets.token_urlsafe(32),
            now,
            now,
            fingerprint(password_hash),
        )

    def cookie(self, session: Session) -> str:
        body = orjson.dumps(
            [
                session.sid,
                session.login,
                session.csrf,
                session.issued,
                session.seen,
                session.fingerprint,
            ]
        )
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def read(self, value: str | None, now: float) -> Session | None:
        """The session a cookie carries, or None: forged, malformed, idle, too old or ended."""
        if not value or len(value) > 1024 or not value.isascii():
            return None
        body_text, dot, mac_text = value.partition(".")
        try:
            body, mac = _unb64(body_text), _unb64(mac_text)
            if not dot or not hmac.compare_digest(mac, self._mac(body)):
                return None
            sid, login, csrf, issued, seen, print_ = orjson.loads(body)
            session = Session(
                str(sid), str(login), str(csrf), float(issued), float(seen), str(print_)
            )
        except (ValueError, TypeError):
            return None
        if now - session.seen > self.idle or now - session.issued > self.max_age:
            return None
        if session.sid in self._ended:
            return None
        return session

    def touched(self, session: Session, now: float) -> Session | None:
        """The session with a new last-use time, when it is due to be signed again."""
        return replace(session, seen=now) if now - session.seen >= REFRESH_AFTER else None

    def end(self, session: Session, now: float) -> None:
        self._ended = {sid: at for sid, at in self._ended.items() if at > now}
        self._ended[session.sid] = session.issued + self.max_age
