"""An aiohttp session for a backend called at volume (the webhook), under the rules of `backend_client`.

httpcore's connection pool walks every connection for every request it
queues: 32 requests at once to a loopback receiver went at 442/s through
httpx and 11,900/s through aiohttp, and the webhook carries every event to
the portal. The rules stay those of `backend_client`: each request marks
the attempt as having called its backend, runs in a client span and
carries `traceparent`; a redirect is not followed unless the plugin says
so; compressed answers are not asked for; only the start of an answer is
read, so a huge one costs nothing; failures become gateway errors, with
"cannot reach" kept for a connection that was never made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from gateway.errors import ConnectionFailed, TransientError
from gateway.plugin_kit.backend_calls import mark_backend_call
from gateway.plugin_kit.tracing import backend_span, inject

#: how much longer than the plugin's timeout the session itself waits
BACKSTOP_SECONDS = 1.0


@dataclass(frozen=True)
class BackendAnswer:
    """What came back: the status, the headers, the start of the body, and whether it went on."""

    status: int
    headers: Mapping[str, str]
    head: bytes
    cut: bool

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and "Location" in self.headers


class BackendSession:
    """One plugin's connections to its backend; made on first use, inside the running loop."""

    def __init__(
        self, *, timeout: float, follow_redirects: bool = False, connections: int = 100
    ) -> None:
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections),
                # a backstop: the attempt's own timeout (the dispatcher's) ends it first and
                # is recorded as a timeout; this one holds where nobody else bounds a call
                timeout=aiohttp.ClientTimeout(total=self.timeout + BACKSTOP_SECONDS),
                headers={"Accept-Encoding": "identity"},
                # every call stands alone: a backend's cookie is not sent back on the next one
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        keep: int,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BackendAnswer:
        """Send, and read at most `keep` bytes of the answer (the rest is left unread)."""
        session = self._open()
        parts = urlsplit(url)
        host = parts.hostname or ""
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "server.address": host,
            "server.port": parts.port or (443 if parts.scheme == "https" else 80),
        }
        sent = dict(headers or {})
        mark_backend_call()
        with backend_span(f"{method} {host}", **attributes) as span:
            inject(sent)
            try:
                async with session.request(
                    method,
                    url,
                    data=content,
                    headers=sent,
                    allow_redirects=self.follow_redirects,
                ) as response:
                    span.set_attribute("http.response.status_code", response.status)
                    head = await response.content.read(keep + 1) if keep else b""
                    while len(head) <= keep and not response.content.at_eof():
                        more = await response.content.read(keep + 1 - len(head))
                        if not more:
                            break
                        head += more
                    return BackendAnswer(
                        response.status, dict(response.headers), head[:keep], len(head) > keep
                    )
            except aiohttp.ClientConnectorError as exc:
                raise ConnectionFailed(f"cannot reach {url}: {exc}") from exc
            except TimeoutError as exc:
                raise TransientError(
                    f"{url} did not answer in time ({type(exc).__name__})"
                ) from exc
            except aiohttp.ClientError as exc:
                raise TransientError(f"{type(exc).__name__} talking to {url}: {exc}") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
