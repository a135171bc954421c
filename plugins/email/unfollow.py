"""The signed token of an unfollow link: which follower of which request, and nothing to forge.

The link sits in every e-mail to a follower, so the token says who is
unfollowing without a sign-in, and without the address in clear: it
carries the request id and the same address digest the follower's record
is kept under, signed with HMAC-SHA256 under `follow_secret`. The portal
posts it back in `request.unfollowed`; a token that does not verify
removes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from gateway.plugin_api import InvalidInputError

#: bytes of the HMAC kept in a token: 128 bits, enough against forgery, short in a URL
SIGNATURE_BYTES = 16


def address_digest(address: str) -> str:
    """How a follower's address is named in keys and tokens: never in clear."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), b"unfollow\0" + payload.encode(), hashlib.sha256).digest()
    return _encode(digest[:SIGNATURE_BYTES])


def unfollow_token(secret: str, request_id: str, address: str) -> str:
    payload = _encode(f"{request_id}\n{address_digest(address)}".encode())
    return f"{payload}.{_signature(secret, payload)}"


def verified_follower(secret: str, token: str, request_id: str) -> str:
    """The address digest the token names for `request_id`; InvalidInputError when it does not verify."""
    payload, dot, signature = token.partition(".")
    if not dot or not hmac.compare_digest(signature, _signature(secret, payload)):
        raise InvalidInputError(
            "the unfollow token does not verify: it was not signed by this gateway "
            "(or follow_secret changed since); nothing was removed",
            code="bad_unfollow_token",
        )
    try:
        signed_request, _, digest = _decode(payload).decode().partition("\n")
    except (ValueError, UnicodeDecodeError):  # cannot happen for a token we signed
        raise InvalidInputError(
            "the unfollow token is garbled", code="bad_unfollow_token"
        ) from None
    if signed_request != request_id:
        raise InvalidInputError(
            "the unfollow token is for another request; nothing was removed",
            code="bad_unfollow_token",
        )
    return digest
