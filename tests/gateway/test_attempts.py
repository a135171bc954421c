"""What a failed attempt means: poison before the backend, or a backend failure; results kept bounded."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from gateway.attempts import MAX_RESULT_BYTES, bounded_result, poisoned
from gateway.errors import TransientError


@pytest.mark.parametrize(
    "exc",
    [ValueError("x"), OverflowError("date"), KeyError("k"), UnicodeEncodeError("a", "", 0, 1, "r")],
)
def test_an_unexpected_error_before_the_backend_is_poison(exc: Exception) -> None:
    assert poisoned(exc, called_backend=False)
    assert not poisoned(exc, called_backend=True)


@pytest.mark.parametrize(
    "exc",
    [
        TransientError("the plugin says: later"),
        OperationalError("SELECT 1", {}, Exception("database is locked")),
        ConnectionResetError("reset"),
    ],
)
def test_what_can_pass_is_never_poison(exc: Exception) -> None:
    assert not poisoned(exc, called_backend=False)


def test_results_are_kept_whole_up_to_the_cap() -> None:
    small = {"protocol_number": "28635"}
    assert bounded_result(small) == small
    assert bounded_result(None) is None
    big = {"response": "x" * (MAX_RESULT_BYTES + 1), "status": 200}
    kept = bounded_result(big)
    assert kept is not None and kept["truncated"] is True and kept["keys"] == ["response", "status"]
