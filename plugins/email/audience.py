"""Who besides the addressee of an event is told, and whether the citizen wants e-mail at all.

Two things the procurement asks for, kept in the gateway's database through
the plugin's cache namespace (durable rows with an expiry, shared by every
process):

- the citizen's choice of how to be told (`notify`): `["email"]`, or `[]`
  for the platform only. An event that carries it records it for its
  request; one that does not (a status change the portal sent without it)
  follows the last recorded choice, else e-mail.
- followers: `request.followed` keeps one row per (request, address), so
  two followers added at once cannot overwrite each other; every status
  change then mails each of them once, in their language.

Follower rows hold the address (it is needed to write), for `follow_days`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.plugin_api import Cache, ConfigurationError, Event, PermanentError, mask
from plugins.email.messages import Outgoing, locale_of
from plugins.email.settings import EmailSettings
from plugins.email.unfollow import address_digest, unfollow_token, verified_follower

PLATFORM_ONLY = "not sent: the citizen chose the platform only"


@dataclass(frozen=True)
class Follower:
    address: str
    locale: str


def _followers_of(request_id: str) -> str:
    """The key prefix of a request's followers; the id's length keeps "R:1" apart from "R"."""
    return f"follower:{len(request_id)}:{request_id}:"


def _follower_key(request_id: str, digest: str) -> str:
    return _followers_of(request_id) + digest


class Audience:
    def __init__(self, cache: Cache | None, settings: EmailSettings) -> None:
        self.cache = cache
        self.settings = settings
        self.ttl = settings.follow_days * 86_400

    # -- the citizen's choice ------------------------------------------------------------

    async def wants_email(self, data: Mapping[str, Any]) -> bool:
        """The event's `notify`, recorded for later events of its request; else the last recorded."""
        request_id = data.get("request_id")
        choice = data.get("notify")
        if not request_id or self.cache is None:
            return "email" in choice if isinstance(choice, list) else True
        key = f"notify:{request_id}"
        recorded = await self.cache.get(key)
        if isinstance(choice, list):
            if recorded is None or recorded.get("notify") != choice:
                # written when it changes, not on every delivery (nor every retry) carrying it
                await self.cache.put(key, {"notify": choice}, self.ttl)
            return "email" in choice
        return "email" in (recorded.get("notify") or []) if recorded is not None else True

    # -- followers -----------------------------------------------------------------------

    def _secret(self) -> str:
        if not self.settings.follow_secret:
            raise ConfigurationError(
                "followers need follow_secret in [plugins.email] (32+ characters): "
                "it signs the unfollow link of every message to a follower",
                code="no_follow_secret",
            )
        return self.settings.follow_secret

    def _store(self) -> Cache:
        if self.cache is None:
            raise ConfigurationError("followers are kept in the gateway's database: none here")
        return self.cache

    async def followers(self, request_id: str) -> list[Follower]:
        if self.cache is None:
            return []
        rows = await self.cache.starting_with(
            _followers_of(request_id), self.settings.max_followers
        )
        return [
            Follower(str(row["address"]), str(row.get("locale") or "el")) for row in rows.values()
        ]

    async def follow(self, event: Event) -> dict[str, Any]:
        """Keep the follower (once however often they follow); what the result says of it."""
        data = event.data
        request_id, address = str(data["request_id"]), str(data["email"])
        cache = self._store()
        self._secret()  # no follower is kept who could not be sent the link to stop
        key = _follower_key(request_id, address_digest(address))
        limit = self.settings.max_followers
        if await cache.get(key) is None and len(await self.followers(request_id)) >= limit:
            raise PermanentError(
                f"request {request_id} has {limit} followers already (max_followers)",
                code="too_many_followers",
            )
        await cache.put(key, {"address": address, "locale": locale_of(data)}, self.ttl)
        return {"followed": mask(address), "request_id": request_id}

    def follow_started(self, event: Event) -> Outgoing:
        """The message that tells a follower they follow, with the link to stop."""
        data = event.data
        request_id, address = str(data["request_id"]), str(data["email"])
        facts = {
            "request_id": request_id,
            "unfollow_url": self.unfollow_url(self._secret(), request_id, address),
        }
        return Outgoing("follow_started", locale_of(data), address, "", facts)

    async def unfollow(self, event: Event) -> dict[str, Any]:
        """Forget the follower the e-mail or the link's token names; a second time changes nothing."""
        data = event.data
        request_id = str(data["request_id"])
        if data.get("token"):
            digest = verified_follower(self._secret(), str(data["token"]), request_id)
            who = f"by the link's token ({digest[:6]}…)"
        else:
            digest = address_digest(str(data["email"]))
            who = mask(str(data["email"]))
        cache = self._store()
        key = _follower_key(request_id, digest)
        was = await cache.get(key) is not None
        if was:
            await cache.forget(key)
        return {"unfollowed": who, "request_id": request_id, "was_following": was}

    async def follower_messages(
        self,
        data: Mapping[str, Any],
        facts_in: Mapping[str, Mapping[str, Any]],
        told: Sequence[str],
    ) -> list[Outgoing]:
        """A status change's message to each follower not told already, in the follower's language."""
        request_id = str(data.get("request_id") or "")
        followers = await self.followers(request_id)
        if not followers:
            return []
        secret = self._secret()
        skip = {address.strip().lower() for address in told}
        return [
            Outgoing(
                "follower_status_changed",
                follower.locale,
                follower.address,
                "",
                {
                    **facts_in[follower.locale],
                    "unfollow_url": self.unfollow_url(secret, request_id, follower.address),
                },
            )
            for follower in followers
            if follower.address.strip().lower() not in skip
        ]

    def unfollow_url(self, secret: str, request_id: str, address: str) -> str:
        template = self.settings.unfollow_link
        if template is None:
            raise ConfigurationError(
                "followers need unfollow_url (or portal_url) in [plugins.email]: "
                "every message to a follower links to where they stop following"
            )
        return template.replace("{token}", unfollow_token(secret, request_id, address))
