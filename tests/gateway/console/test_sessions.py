"""Session cookies: signed, idle and old sessions end, a changed password ends them, forgeries fail."""

from __future__ import annotations

from dataclasses import replace

from gateway.console.sessions import SessionSigner
from gateway.console.throttle import LoginThrottle


def signer() -> SessionSigner:
    return SessionSigner(b"k" * 32, idle_seconds=1800, max_seconds=12 * 3600)


def test_a_cookie_reads_back_until_idle_or_too_old() -> None:
    sign = signer()
    session = sign.new("anna", "$argon2id$hash", now=1000.0)
    cookie = sign.cookie(session)
    assert sign.read(cookie, 1000.0 + 1799) == session
    assert sign.read(cookie, 1000.0 + 1801) is None  # idle
    kept_alive = sign.cookie(replace(session, seen=1000.0 + 12 * 3600 - 10))
    assert sign.read(kept_alive, 1000.0 + 12 * 3600 + 1) is None  # too old, however busy


def test_touching_signs_again_at_most_once_a_minute() -> None:
    sign = signer()
    session = sign.new("anna", "h", now=0.0)
    assert sign.touched(session, 30.0) is None
    touched = sign.touched(session, 61.0)
    assert touched is not None and touched.seen == 61.0


def test_forged_malformed_and_foreign_cookies_are_refused() -> None:
    sign = signer()
    cookie = sign.cookie(sign.new("vera", "h", now=0.0))
    body, _, mac = cookie.partition(".")
    assert sign.read(cookie, 1.0) is not None
    for bad in (
        "",
        "no-dot",
        body + "." + mac[:-2] + "AA",
        body[:-2] + "AA." + mac,
        "é" * 10,
        "x" * 2000,
        "!!!.???",
    ):
        assert sign.read(bad, 1.0) is None, bad
    other = SessionSigner(b"o" * 32, 1800, 3600)
    assert other.read(cookie, 1.0) is None


def test_an_ended_session_is_not_read_again() -> None:
    sign = signer()
    session = sign.new("oscar", "h", now=0.0)
    cookie = sign.cookie(session)
    sign.end(session, 1.0)
    assert sign.read(cookie, 2.0) is None
    assert sign.read(sign.cookie(sign.new("oscar", "h", now=3.0)), 4.0) is not None


def test_the_throttle_holds_a_key_after_its_failures_and_lets_it_go_after_the_hold() -> None:
    throttle = LoginThrottle(failures=3, hold_seconds=60)
    for at in (0.0, 1.0):
        throttle.failed("anna", at)
    assert throttle.held_for("anna", 2.0) == 0
    throttle.failed("anna", 2.0)
    assert throttle.held_for("anna", 3.0) == 57.0
    assert throttle.held_for("oscar", 3.0) == 0
    assert throttle.held_for("anna", 61.5) == 0
    throttle.failed("vera", 0.0)
    throttle.succeeded("vera")
    assert throttle.held_for("vera", 0.0) == 0


def test_a_flood_of_made_up_logins_does_not_grow_the_throttle_without_end() -> None:
    throttle = LoginThrottle(failures=5, hold_seconds=60)
    for number in range(60_000):
        throttle.failed(f"user{number}", 0.0)
    assert len(throttle) <= 50_000
