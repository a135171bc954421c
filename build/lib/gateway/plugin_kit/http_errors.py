"""httpx's transport failures in the gateway's terms, for any plugin that speaks HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx

from gateway.errors import ConnectionFailed, TransientError


@contextlib.contextmanager
def http_failures_as(target: str) -> Iterator[None]:
    """Inside the block: unreachable → ConnectionFailed; timeouts and broken connections → transient."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ConnectionFailed(f"cannot reach {target}: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise TransientError(f"{target} did not answer in time ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{type(exc).__name__} talking to {target}: {exc}") from exc
