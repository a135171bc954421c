"""The municipality's calendar: days and hours are Athens days and hours (EET/EEST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ATHENS = ZoneInfo("Europe/Athens")


def yesterday(now: datetime) -> date:
    """The Athens day before the one `now` (aware) falls on."""
    return (now.astimezone(ATHENS) - timedelta(days=1)).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """An Athens day as the UTC moments it starts and ends (23 or 25 hours at a clock change)."""
    start = datetime(day.year, day.month, day.day, tzinfo=ATHENS)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ATHENS)
    return start.astimezone(UTC), end.astimezone(UTC)
