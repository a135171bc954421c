"""Issue 12, finding 4: a backend's Retry-After is read safely and never asks for years."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import ThrottledError
from gateway.plugin_kit.retry_after import CEILING, retry_after_seconds

NOW = 1_765_000_000.0  # 2025-12-06 05:46:40 UTC


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        (None, 60.0),
        ("", 60.0),
        ("999999999", CEILING),
        ("1e20", 60.0),
        ("²", 60.0),
        ("-5", 60.0),
        ("12.5", 60.0),
        ("Sat, 06 Dec 2025 06:01:40 GMT", 900.0),  # 15 minutes after NOW
        ("Fri, 31 Dec 9999 23:59:59 GMT", CEILING),
        ("Mon, 01 Jan 1990 00:00:00 GMT", 0.0),  # in the past: try now
        ("not a date", 60.0),
    ],
)
def test_forms(value: str | None, seconds: float) -> None:
    assert retry_after_seconds(value, 60.0, now=NOW) == pytest.approx(seconds, abs=1)


@given(st.text(max_size=40))
def test_any_text_gives_a_bounded_wait(value: str) -> None:
    assert 0.0 <= retry_after_seconds(value, 60.0, now=NOW) <= CEILING


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e300, -1.0])
def test_throttled_error_bounds_what_a_plugin_passes(value: float) -> None:
    wait = ThrottledError("x", retry_after=value).retry_after
    assert 0.0 <= wait <= 30 * 86400
