"""A backend's `Retry-After`, read safely: never an exception, never an absurd wait.

RFC 9110 allows delay-seconds (ASCII digits) or an HTTP-date. Found by
attack: `999999999` paused a lane for 31 years, `1e20` crashed the attempt
with OverflowError, and `²` passed `str.isdigit()` then failed `float()`.
What is returned here is bounded again by the plugin's `max_throttle`.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

_SECONDS = re.compile(r"[0-9]{1,10}")
#: a ceiling even before `max_throttle` applies (a week)
CEILING = 7 * 86400.0


def retry_after_seconds(
    value: str | None, default: float = 60.0, now: float | None = None
) -> float:
    """Seconds to wait: the header's value if it is well formed, else `default`; 0..CEILING."""
    raw = (value or "").strip()
    seconds: float | None = None
    if _SECONDS.fullmatch(raw):
        seconds = float(int(raw))
    elif raw and raw.isascii():
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
        if when is not None and when.tzinfo is not None:
            seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds is None:
        seconds = default
    return min(max(0.0, seconds), CEILING)
