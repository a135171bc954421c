"""Times, amounts and ages as Greek staff read them: Athens time, dd/mm/yyyy HH:MM, 1.234,50 €."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.domain import athens

ATHENS = athens.ATHENS


def as_moment(value: Any) -> datetime | None:
    """A stored time (aware, naive UTC, or ISO text with Z) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def athens_time(value: Any, *, seconds: bool = False) -> str:
    moment = as_moment(value)
    if moment is None:
        return "—"
    return moment.astimezone(ATHENS).strftime("%d/%m/%Y %H:%M" + (":%S" if seconds else ""))


def amount(value: Any) -> str:
    """1234.5 → "1.234,50 €"; what is not a number is shown as it is."""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    grouped = f"{number:,.2f}"  # 1,234.50
    return grouped.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".") + "\u00a0€"


def duration(started: Any, ended: Any) -> str:
    start, end = as_moment(started), as_moment(ended)
    if start is None or end is None:
        return "—"
    millis = (end - start).total_seconds() * 1000
    return f"{millis:.0f}\u00a0ms" if millis < 10_000 else f"{millis / 1000:.1f}\u00a0s"


def age(seconds: float | None, lang: str) -> str:
    """How long ago, in the largest unit that is at least 1."""
    if seconds is None:
        return "—"
    units = (
        (86400, "ημ.", "d"),
        (3600, "ώρ.", "h"),
        (60, "λεπ.", "min"),
        (1, "δευτ.", "s"),
    )
    for size, greek, english in units:
        if seconds >= size or size == 1:
            return f"{int(seconds // size)}\u00a0{greek if lang == 'el' else english}"
    return "—"
