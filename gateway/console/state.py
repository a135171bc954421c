"""What the console keeps while the gateway runs: its session signer and its sign-in throttles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from aiohttp import web

from gateway.config import ConsoleSection
from gateway.console.sessions import SessionSigner
from gateway.console.throttle import LoginThrottle

#: the client address is held back after this many times the per-login failures
ADDRESS_FACTOR = 4


@dataclass
class ConsoleState:
    settings: ConsoleSection
    signer: SessionSigner
    by_login: LoginThrottle
    by_address: LoginThrottle
    secure_cookie: bool

    @classmethod
    def of(cls, settings: ConsoleSection, public_url: str | None) -> ConsoleState:
        secret = settings.session_secret
        key = hashlib.sha256(secret.encode()).digest() if secret else secrets.token_bytes(32)
        hold = settings.hold_minutes * 60
        secure = settings.secure_cookie
        if secure is None:
            secure = bool(public_url and public_url.lower().startswith("https://"))
        return cls(
            settings,
            SessionSigner(key, settings.idle_minutes * 60, settings.max_hours * 3600),
            LoginThrottle(settings.failed_logins, hold),
            LoginThrottle(settings.failed_logins * ADDRESS_FACTOR, hold),
            secure,
        )


CONSOLE = web.AppKey("console", ConsoleState)
