"""Standard Webhooks signature verification for events the portal posts.

Signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`, HMAC-SHA256,
base64, sent as `v1,<sig>` (several, space-separated, during the portal's own
rotation). Several secrets may be configured at once (ours). Written here
rather than taken from the `standardwebhooks` package: it is thirty lines,
and we need every secret tried and the reason for a refusal kept.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence

TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """Why a request is not authentic (said to the caller as the 401's detail)."""


class MalformedHeader(SignatureError):
    """A signature header that is not even well formed (said to the caller as a 400)."""


_STAMP = re.compile(r"[0-9]{1,12}")
_MSG_ID = re.compile(r"[\x21-\x7e]{1,256}")


@functools.lru_cache(maxsize=64)
def secret_key(secret: str) -> bytes:
    """The HMAC key of a whsec_ secret (decoded once, not on every request)."""
    return base64.b64decode(secret.removeprefix("whsec_"))


@functools.lru_cache(maxsize=64)
def _keyed(secret: str) -> hmac.HMAC:
    """An HMAC already keyed with the secret; copied per message, so the key is set up once."""
    return hmac.new(secret_key(secret), digestmod=hashlib.sha256)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one secret (the portal's side; used by tests and the demo)."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secret: str, msg_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, msg_id, stamp, body),
    }


def verify(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float | None = None
) -> None:
    """Return quietly when some configured secret signed this body; raise SignatureError otherwise."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    given = headers.get("webhook-signature")
    if not (msg_id and stamp and given):
        missing = [
            name
            for name, value in (
                ("webhook-id", msg_id),
                ("webhook-timestamp", stamp),
                ("webhook-signature", given),
            )
            if not value
        ]
        raise SignatureError(f"missing header(s): {', '.join(missing)}")
    if not _STAMP.fullmatch(stamp):
        raise MalformedHeader("webhook-timestamp must be Unix seconds: 1 to 12 ASCII digits")
    if not _MSG_ID.fullmatch(msg_id):
        raise MalformedHeader("webhook-id must be 1 to 256 printable ASCII characters")
    if not given.isascii():
        raise MalformedHeader("webhook-signature must be ASCII")
    skew = int(stamp) - (time.time() if now is None else now)
    if abs(skew) > TOLERANCE_SECONDS:
        raise SignatureError(
            f"webhook-timestamp is {abs(skew):.0f}s {'ahead' if skew > 0 else 'old'}; allowed {TOLERANCE_SECONDS}s"
        )
    if not secrets:
        raise SignatureError("no portal secret is configured")
    offered = []
    for item in given.split():
        version, _, value = item.partition(",")
        if version == "v1" and value:
            try:
                offered.append(base64.b64decode(value, validate=True))
            except ValueError:
                continue
    if not offered:
        raise SignatureError("webhook-signature has no v1 signature")
    content = f"{msg_id}.{stamp}.".encode() + body
    for secret in secrets:
        mac = _keyed(secret).copy()
        mac.update(content)
        expected = mac.digest()
        for candidate in offered:
            if hmac.compare_digest(expected, candidate):
                return
    raise SignatureError("no signature matches")
