"""The HTTP client every plugin's backend calls go through: bounded answers, no redirects.

A backend controls what it sends back. Without a cap, a 100 MB SOAP answer
took the gateway from 122 MB to 2.2 GB; without `follow_redirects=False`
made explicit and a 3xx treated as a failure, a 307 was recorded as
delivered. The answer body is counted as it streams in and the call fails
at the cap, before the rest is read. Each request also marks the attempt
as having called its backend (see `backend_calls`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import httpx

from gateway.plugin_kit.backend_calls import mark_backend_call
from gateway.plugin_kit.tracing import backend_span, inject

DEFAULT_MAX_ANSWER_BYTES = 1_048_576


class AnswerTooLarge(httpx.TransportError):
    """The backend's answer went past the plugin's `max_answer_bytes`; the rest was not read.

    A transport error, so `http_failures_as` makes it transient, and a plugin
    that cannot send twice treats it like a lost answer (the outcome is unknown).
    """


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int, url: str) -> None:
        self._inner = inner
        self._limit = limit
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise AnswerTooLarge(
                    f"the answer from {self._url} is over {self._limit} bytes; it was not read whole"
                )
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class BoundedTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport: marks the backend call, refuses an answer bigger than the cap."""

    def __init__(self, limit: int, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self._inner = inner or httpx.AsyncHTTPTransport()
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        mark_backend_call()
        # the path may hold an identifier (an ΑΦΜ, a reference): the span names only the server
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "server.address": request.url.host,
            "server.port": request.url.port or (443 if request.url.scheme == "https" else 80),
        }
        with backend_span(f"{request.method} {request.url.host}", **attributes) as span:
            inject(request.headers)
            response = await self._inner.handle_async_request(request)
            span.set_attribute("http.response.status_code", response.status_code)
        # counted as it streams (a declared length can lie); a caller that reads only the
        # start of an answer (first_bytes) never reaches the cap
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _CappedStream(response.stream, self._limit, str(request.url.host))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def backend_client(
    *,
    timeout: float,
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
    follow_redirects: bool = False,
    inner: httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> httpx.AsyncClient:
    """An httpx client for one plugin's backend: its timeout, its answer cap, redirects off.

    Compressed answers are not asked for, so the cap counts what is decoded
    (a gzip bomb cannot grow past it).
    """
    headers = {"Accept-Encoding": "identity", **dict(options.pop("headers", None) or {})}
    return httpx.AsyncClient(
        headers=headers,
        timeout=timeout,
        follow_redirects=follow_redirects,
        transport=BoundedTransport(max_answer_bytes, inner),
        **options,
    )


class BackendSettings(Protocol):
    """What a plugin's settings say about its backend (`PluginSettings` has them all)."""

    @property
    def url(self) -> str | None: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_answer_bytes(self) -> int: ...
    @property
    def follow_redirects(self) -> bool: ...


def settings_client(settings: BackendSettings, **options: Any) -> httpx.AsyncClient:
    """`backend_client` for the backend at `settings.url`, with the plugin's timeout, cap and redirects."""
    return backend_client(
        base_url=settings.url or "",
        timeout=settings.timeout,
        max_answer_bytes=settings.max_answer_bytes,
        follow_redirects=settings.follow_redirects,
        **options,
    )


async def first_bytes(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of a streamed answer, and whether there was more (left unread)."""
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) > limit:
            return bytes(kept[:limit]), True
    return bytes(kept), False


def is_redirect(response: httpx.Response) -> bool:
    """A 3xx that was not followed: nothing was done at the address we called."""
    return 300 <= response.status_code < 400
