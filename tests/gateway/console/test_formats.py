"""Times in Athens as dd/mm/yyyy HH:MM, amounts as 1.234,50 €."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.console.formats import age, amount, athens_time, duration


def test_times_are_athens_local_in_greek_order_across_daylight_saving() -> None:
    assert athens_time("2026-12-06T13:05:00Z") == "06/12/2026 15:05"  # EET, +2
    assert athens_time(datetime(2026, 7, 1, 21, 30, tzinfo=UTC)) == "02/07/2026 00:30"  # EEST, +3
    assert athens_time(datetime(2026, 7, 1, 21, 30)) == "02/07/2026 00:30"  # naive means UTC
    assert athens_time("2026-12-06T13:05:09Z", seconds=True) == "06/12/2026 15:05:09"
    assert athens_time(None) == athens_time("not a time") == "—"


def test_amounts_group_thousands_with_a_dot_and_decimals_with_a_comma() -> None:
    assert amount("1234.5") == "1.234,50\u00a0€"
    assert amount(1234567.891) == "1.234.567,89\u00a0€"
    assert amount("0") == "0,00\u00a0€"
    assert amount("-40") == "-40,00\u00a0€"
    assert amount("abc") == "abc"


def test_durations_and_ages_read_naturally() -> None:
    assert duration("2026-12-06T13:05:00Z", "2026-12-06T13:05:00.250Z") == "250\u00a0ms"
    assert duration("2026-12-06T13:05:00Z", "2026-12-06T13:05:12Z") == "12.0\u00a0s"
    assert duration("2026-12-06T13:05:00Z", None) == "—"
    assert age(90, "el") == "1\u00a0λεπ." and age(90, "en") == "1\u00a0min"
    assert age(3 * 86400 + 5, "en") == "3\u00a0d" and age(0.2, "en") == "0\u00a0s"
    assert age(None, "el") == "—"
