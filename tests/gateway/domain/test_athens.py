"""Athens days: their UTC bounds, including the days the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime

from gateway.domain.athens import day_bounds, yesterday


def test_a_day_in_winter_and_in_summer_starts_at_athens_midnight() -> None:
    assert day_bounds(date(2026, 12, 6)) == (
        datetime(2026, 12, 5, 22, tzinfo=UTC),
        datetime(2026, 12, 6, 22, tzinfo=UTC),
    )
    assert day_bounds(date(2026, 7, 1))[0] == datetime(2026, 6, 30, 21, tzinfo=UTC)


def test_the_days_the_clocks_change_have_23_and_25_hours() -> None:
    spring = day_bounds(date(2026, 3, 29))
    autumn = day_bounds(date(2026, 10, 25))
    assert (spring[1] - spring[0]).total_seconds() == 23 * 3600
    assert (autumn[1] - autumn[0]).total_seconds() == 25 * 3600


def test_yesterday_is_the_athens_day_before() -> None:
    assert yesterday(datetime(2026, 12, 5, 22, 30, tzinfo=UTC)) == date(2026, 12, 5)  # 00:30 Athens
    assert yesterday(datetime(2026, 12, 5, 21, 30, tzinfo=UTC)) == date(2026, 12, 4)
