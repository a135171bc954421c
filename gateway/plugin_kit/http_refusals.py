"""A backend's HTTP refusals in the gateway's terms, with the backend's own words kept.

One rule for every plugin that speaks a REST contract: 401/403 and a redirect
are our set-up, 429 waits, another 4xx is the backend's judgement, 5xx passes.
"""

from __future__ import annotations

from typing import Any

import httpx

from gateway.errors import (
    ConfigurationError,
    GatewayError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from gateway.plugin_kit.http_client import is_redirect
from gateway.plugin_kit.retry_after import retry_after_seconds

DEFAULT_RETRY_AFTER = 60.0


def backend_message(response: httpx.Response) -> str:
    """What the backend said: its JSON error fields, or the start of its text."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text.strip()[:500] or "(empty body)"
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("error", "message", "title", "detail") if body.get(k)]
        for key in ("details", "errors"):
            extra = body.get(key)
            if isinstance(extra, list) and extra:
                parts.append("; ".join(str(item) for item in extra))
            elif isinstance(extra, dict) and extra:
                parts.append("; ".join(f"{k}: {v}" for k, v in extra.items()))
        if parts:
            return " — ".join(parts)[:1000]
    return str(body)[:500]


def retry_after(response: httpx.Response) -> float:
    return retry_after_seconds(response.headers.get("Retry-After"), DEFAULT_RETRY_AFTER)


def http_refusal(response: httpx.Response, who: str) -> GatewayError:
    """4xx: the backend judged the request (permanent; 401/403 are our set-up); 5xx: transient."""
    status = response.status_code
    message = f"{who} answered HTTP {status}: {backend_message(response)}"
    if status in (401, 403):
        return ConfigurationError(message, code=f"http_{status}")
    if is_redirect(response):
        where = response.headers.get("Location", "?")[:200]
        return ConfigurationError(
            f"{who} answered HTTP {status}, a redirect to {where}, which is not followed: "
            "nothing was done there; check the url",
            code=f"http_{status}",
        )
    if status == 429:
        return ThrottledError(message, retry_after=retry_after(response), code="http_429")
    if 400 <= status < 500:
        return PermanentError(message, code=f"http_{status}")
    return TransientError(message, code=f"http_{status}")
