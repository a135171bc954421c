"""The unfollow token alone: it names a follower of one request, and nothing else verifies."""

from __future__ import annotations

import base64

import pytest

from gateway.errors import InvalidInputError
from plugins.email.unfollow import address_digest, unfollow_token, verified_follower

SECRET = "k" * 32


def test_a_token_names_the_followers_digest_and_never_the_address() -> None:
    token = unfollow_token(SECRET, "REQ-1", "Nikos@Example.gr ")
    assert verified_follower(SECRET, token, "REQ-1") == address_digest("nikos@example.gr")
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert "example" not in payload and "nikos" not in payload.lower()


@pytest.mark.parametrize(
    ("token", "request_id", "words"),
    [
        (lambda t: t, "REQ-2", "another request"),
        (lambda t: t.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAA", "REQ-1", "does not verify"),
        (lambda t: t.replace(".", ""), "REQ-1", "does not verify"),
        (lambda t: "", "REQ-1", "does not verify"),
        (lambda t: "%%%." + t.split(".")[1], "REQ-1", "does not verify"),
    ],
)
def test_anything_but_the_signed_token_of_this_request_is_refused(token, request_id, words) -> None:  # type: ignore[no-untyped-def]
    good = unfollow_token(SECRET, "REQ-1", "nikos@example.gr")
    with pytest.raises(InvalidInputError, match=words):
        verified_follower(SECRET, token(good), request_id)


def test_another_secret_does_not_verify() -> None:
    token = unfollow_token(SECRET, "REQ-1", "nikos@example.gr")
    with pytest.raises(InvalidInputError, match="does not verify"):
        verified_follower("z" * 32, token, "REQ-1")


def test_a_token_fits_the_contracts_pattern_for_a_long_greek_id() -> None:
    import re

    token = unfollow_token(SECRET, "ΑΙΤ-" + "Ω" * 60, "a@b.gr")
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token) and len(token) <= 512
