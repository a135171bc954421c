"""`[plugins.email]`: bad values reported with their key path."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError
from tests.support.settings import build_settings

ROUTES = [{"type": "request.registered", "plugins": ["email"]}]
GOOD = {"url": "smtp://127.0.0.1:2525", "from_address": "noreply@serres.gr"}


def problems(section: dict) -> list[str]:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as caught:
        build_settings("sqlite+aiosqlite:///x.db", {"email": section}, ROUTES)
    return [str(p) for p in caught.value.problems]


def test_good_section_and_derived_values() -> None:
    settings = build_settings("sqlite+aiosqlite:///x.db", {"email": GOOD}, ROUTES)
    email = settings.plugins["email"]
    assert (email.host, email.port, email.implicit_tls, email.id_domain) == (
        "127.0.0.1",
        2525,
        False,
        "serres.gr",
    )
    tls = build_settings(
        "sqlite+aiosqlite:///x.db", {"email": {**GOOD, "url": "smtps://mail.serres.gr"}}, ROUTES
    ).plugins["email"]
    assert (tls.port, tls.implicit_tls) == (465, True)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"url": "http://mail.serres.gr"}, "must start with smtp:// or smtps://"),
        ({"url": "smtp://mail:99999"}, "port"),
        ({"from_address": "noreply"}, "is not an e-mail address"),
        ({"username": "u"}, "give both username and password"),
        ({"url": "smtps://mail.serres.gr", "starttls": True}, "starttls is for smtp://"),
        ({"departments": {"revenue": ["esoda at serres"]}}, "revenue: not e-mail addresses"),
        ({"departments": {"revenue": "esoda@serres.gr"}}, "plugins.email.departments"),
        ({"colour": "blue"}, "plugins.email.colour"),
        ({"tls_ca_file": "/nonexistent/ca.pem"}, "/nonexistent/ca.pem is not a file"),
        ({"mock_admin_url": "127.0.0.1:8025"}, "must start with http:// or https://"),
    ],
)
def test_bad_sections_name_the_problem(changes: dict, expected: str) -> None:  # type: ignore[type-arg]
    found = problems({**GOOD, **changes})
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"follow_secret": "short"}, "plugins.email.follow_secret", "at least 32"),
        ({"follow_days": 0}, "plugins.email.follow_days", "more than 0"),
        ({"max_followers": 0}, "plugins.email.max_followers", "at least 1"),
        ({"unfollow_url": "https://p.example/u"}, "plugins.email.unfollow_url", "{token}"),
        (
            {"unfollow_url": "javascript:{token}"},
            "plugins.email.unfollow_url",
            "http:// or https://",
        ),
    ],
)
def test_follower_keys_are_checked(changes: dict, path: str, words: str) -> None:  # type: ignore[type-arg]
    found = problems({**GOOD, **changes})
    assert any(p.startswith(path) and words in p for p in found), found


def test_the_unfollow_link_defaults_to_the_portal() -> None:
    with_portal = {**GOOD, "portal_url": "https://eservices.serres.gr/"}
    settings = build_settings("sqlite+aiosqlite:///x.db", {"email": with_portal}, ROUTES)
    assert (
        settings.plugins["email"].unfollow_link
        == "https://eservices.serres.gr/unfollow?token={token}"
    )
    bare = build_settings("sqlite+aiosqlite:///x.db", {"email": GOOD}, ROUTES)
    assert bare.plugins["email"].unfollow_link is None
