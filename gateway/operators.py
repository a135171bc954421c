"""Named operators: their tokens as argon2id hashes, and who a bearer token belongs to.

A token is `LOGIN.SECRET`, so only the one named operator's hash is checked
(argon2id is slow on purpose: trying every operator's hash for a random
token would let anyone burn CPU). A token verified once is remembered by
its SHA-256 until the config changes, so requests after the first cost a
dictionary look-up.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gateway.config import AuthSection, OperatorSection

#: OWASP's argon2id minimum (19 MiB, 2 passes): about 20 ms a check here
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
RANK = {"viewer": 1, "operator": 2, "admin": 3}
LEGACY = "operator-token"


@dataclass(frozen=True)
class Actor:
    """Who is asking: the portal, a named operator with a role, or a legacy operator token."""

    name: str
    role: str  # portal | viewer | operator | admin
    departments: frozenset[str] | None = None  # None: every department

    @property
    def is_staff(self) -> bool:
        return self.role in RANK

    def may(self, role: str) -> bool:
        return self.is_staff and RANK[self.role] >= RANK[role]


def hash_secret(secret: str) -> str:
    return HASHER.hash(secret)


def new_token(login: str) -> str:
    return f"{login}.{secrets.token_urlsafe(32)}"


def _matches(token: str, allowed: list[str]) -> bool:
    return any(hmac.compare_digest(token.encode(), candidate.encode()) for candidate in allowed)


class TokenBook:
    """Resolves bearer tokens against one version of [auth] and [operators]."""

    def __init__(self, auth: AuthSection, operators: dict[str, OperatorSection]) -> None:
        self.auth = auth
        self.operators = operators
        self._verified: dict[bytes, Actor] = {}

    def _actor(self, login: str, operator: OperatorSection) -> Actor:
        scope = frozenset(operator.departments) if operator.departments is not None else None
        return Actor(login, operator.role, scope)

    async def resolve(self, token: str) -> Actor | None:
        if _matches(token, list(self.auth.operator_tokens)):
            return Actor(LEGACY, "admin")
        if _matches(token, list(self.auth.portal_tokens)):
            return Actor("portal", "portal")
        login, dot, _secret = token.partition(".")
        operator = self.operators.get(login) if dot else None
        if operator is None or operator.token_hash is None:
            return None
        digest = hashlib.sha256(token.encode()).digest()
        known = self._verified.get(digest)
        if known is not None:
            return known
        stored = operator.token_hash
        try:
            await asyncio.to_thread(HASHER.verify, stored, token)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        actor = self._actor(login, operator)
        if len(self._verified) < 10_000:
            self._verified[digest] = actor
        return actor
